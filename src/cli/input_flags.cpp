#include "cli/input_flags.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "profile/merge.hpp"
#include "profile/time_base.hpp"

namespace lambdascope::cli {

void InputFlags::add_to(CLI::App* cmd, bool perf_options, bool to_names_output) {
  cmd->add_option("files", files, "Input profiles (any supported format, gzip or not; - for stdin)")
      ->required()
      ->type_name("FILE...");
  cmd->add_option(
      "--format", format,
      "Read the inputs as this format instead of detecting it: perf-script, folded, pprof, gperftools, "
      "cpuprofile, chrome-trace, speedscope");
  if (perf_options) {
    cmd->add_option("--event-filter", event_filter,
                    "perf script: keep only this event (default: the first seen)");
    cmd->add_flag("--addrs", addrs, "perf script: show addresses for frames without a symbol");
  }
  cmd->add_option("--threads", threads, "Parser threads (default: one per core)");
  auto* g = cmd->add_option_group("Filters");
  g->add_option("--from", from_s,
                "Keep samples at or after this many seconds from the start of the first sample's second");
  // `convert --to FORMAT` names the output format, so there the end of the range is only --until.
  g->add_option(to_names_output ? "--until" : "--to,--until", to_s,
                "Keep samples before this many seconds (same base as --from)");
  g->add_option("--only-pid", pids, "Keep samples of these process ids")
      ->type_name("PID")
      ->allow_extra_args(false);
  g->add_option("--only-tid", tids, "Keep samples of these thread ids")
      ->type_name("TID")
      ->allow_extra_args(false);
  g->add_option("--only-comm", comms, "Keep samples of these thread names (comm)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  g->add_option("--label", labels, "Keep samples with this label, KEY=VALUE (repeat for all of several)")
      ->allow_extra_args(false);
  g->add_option("--include", include, "Keep stacks with a frame matching this regex (ECMAScript)");
  g->add_option("--exclude", exclude, "Drop stacks with a frame matching this regex");
}

formats::ReadOptions InputFlags::read_options(bool aggregate) const {
  formats::ReadOptions o;
  if (!format.empty()) {
    o.format = formats::parse_format_name(format);
    if (!o.format) throw std::invalid_argument("unknown --format " + format);
  }
  o.event_filter = event_filter;
  o.addrs = addrs;
  o.threads = threads;
  o.aggregate = aggregate;
  o.warn = [](const std::string& message) {
    std::fprintf(stderr, "lambdascope: warning: %s\n", message.c_str());
  };
  return o;
}

profile::SampleFilter InputFlags::sample_filter(const profile::Profile& p) const {
  profile::SampleFilter f;
  if (has_time_filter()) {
    int64_t base = profile::time_base_ns(p);
    if (base == profile::kNoTime)
      throw std::invalid_argument("--from/--to need samples with timestamps; the input has none");
    if (from_s) f.time_begin_ns = profile::time_after_base_ns(base, *from_s);
    if (to_s) f.time_end_ns = profile::time_after_base_ns(base, *to_s);
  }
  f.pids = pids;
  f.tids = tids;
  f.comms = comms;
  for (const std::string& l : labels) {
    size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("--label expects KEY=VALUE, got " + l);
    f.labels.push_back({l.substr(0, eq), l.substr(eq + 1)});
  }
  if (!include.empty()) f.include.emplace(include, std::regex::ECMAScript | std::regex::optimize);
  if (!exclude.empty()) f.exclude.emplace(exclude, std::regex::ECMAScript | std::regex::optimize);
  return f;
}

profile::Profile InputFlags::load(bool need_times) const {
  bool aggregate = !need_times && !has_time_filter();
  formats::ReadOptions opts = read_options(aggregate);
  profile::ProfileMerger merger;
  profile::Profile single;
  for (const std::string& file : files) {
    profile::Profile p = formats::read_profile_file(file, opts);
    if (files.size() == 1) {
      single = std::move(p);
    } else {
      try {
        merger.add(p);
      } catch (const profile::MergeError& e) {
        throw formats::ParseError::whole(file,
                                         std::string("cannot merge with the inputs before it: ") + e.what());
      }
    }
  }
  profile::Profile merged = files.size() == 1 ? std::move(single) : merger.take();
  profile::SampleFilter f = sample_filter(merged);
  if (f.empty()) return merged;
  return profile::filter(merged, f);
}

}  // namespace lambdascope::cli
