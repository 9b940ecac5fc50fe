// Flags every profile-reading command shares: the inputs, reader options and sample filters, and the code
// that turns them into one filtered, merged profile.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "formats/read_options.hpp"
#include "profile/filter.hpp"
#include "profile/profile.hpp"

namespace lambdascope::cli {

struct InputFlags {
  std::vector<std::string> files;
  std::string format;  // force a format instead of sniffing
  std::string event_filter;
  bool addrs = false;
  unsigned threads = 0;
  // Filters.
  std::optional<double> from_s, to_s;  // seconds from the start of the first sample's second
  std::vector<int32_t> pids, tids;
  std::vector<std::string> comms, labels;
  std::string include, exclude;

  // `perf_options`: also add --event-filter and --addrs.
  // `to_names_output`: the command's --to is its output format; the time range then ends with --until.
  void add_to(CLI::App* cmd, bool perf_options = true, bool to_names_output = false);
  bool has_time_filter() const { return from_s.has_value() || to_s.has_value(); }
  formats::ReadOptions read_options(bool aggregate) const;
  profile::SampleFilter sample_filter(const profile::Profile& p) const;  // throws on a bad --label or regex

  // Reads every input (aggregating while reading when nothing needs per-sample times), merges them with
  // pprof's rules and applies the filters.
  profile::Profile load(bool need_times) const;
};

}  // namespace lambdascope::cli
