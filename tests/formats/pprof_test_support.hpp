// Helpers shared by the pprof and gperftools tests: profiles rendered as comparable text, and reading files
// or bytes with a given reader.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "profile/profile.hpp"

namespace lambdascope::testing {

// One line per sample: its stack (root first; name|module|file:line|kind per frame), values, columns, labels.
// Frame texts are built once per frame, so large profiles stay quick under the sanitizers.
inline std::vector<std::string> describe_samples(const profile::Profile& p, bool with_kinds = true) {
  std::vector<std::string> frame_text(p.frames.size());
  for (size_t f = 0; f < p.frames.size(); ++f) {
    const profile::Frame& fr = p.frames[static_cast<profile::FrameId>(f)];
    frame_text[f] =
        fmt::format("{}|{}|{}:{}", p.strings[fr.name], p.strings[fr.module], p.strings[fr.file], fr.line);
    if (with_kinds) frame_text[f] += fmt::format("|{}", profile::frame_kind_name(fr.kind));
    frame_text[f] += ';';
  }
  std::vector<std::string> out;
  const auto& c = p.samples;
  std::vector<profile::FrameId> frames;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    std::string s;
    frames.clear();
    for (profile::StackId k = c.stack[i]; k != profile::StackTrie::kRoot; k = p.stacks.parent(k))
      frames.push_back(p.stacks.frame(k));
    for (size_t k = frames.size(); k > 0; --k) s += frame_text[frames[k - 1]];
    s += " values=";
    for (double v : p.values_of(i)) s += fmt::format("{},", v);
    s += fmt::format(" t={} pid={} tid={} cpu={} comm={} labels=", c.time_ns[i], c.pid[i], c.tid[i], c.cpu[i],
                     p.strings[c.thread_name[i]]);
    std::vector<std::string> labels;
    for (const profile::Label& l : p.label_sets.labels(c.labels[i])) {
      if (l.is_numeric()) {
        labels.push_back(fmt::format("{}={}{}", p.strings[l.key], l.num, p.strings[l.unit]));
      } else {
        labels.push_back(fmt::format("{}=\"{}\"", p.strings[l.key], p.strings[l.str]));
      }
    }
    std::sort(labels.begin(), labels.end());
    for (const std::string& l : labels) s += l + ",";
    out.push_back(std::move(s));
  }
  return out;
}

// Metadata as text; source_format is left out (it names the file just read, so it changes on conversion).
inline std::string describe_meta(const profile::Metadata& m) {
  std::string s;
  for (const auto& t : m.sample_types) s += fmt::format("type {}/{}\n", t.type, t.unit);
  s += fmt::format("default {}\nperiod {}/{} {}\n", m.default_sample_type, m.period_type.type,
                   m.period_type.unit, m.period);
  s += fmt::format("start {} end {} time_nanos {} duration {}\n", m.start_ns, m.end_ns, m.time_nanos,
                   m.duration_ns);
  for (const auto& c : m.comments) s += fmt::format("comment {}\n", c);
  std::vector<std::string> attrs;
  for (const auto& [k, v] : m.attributes)
    if (k != profile::attr::kSourceFormat) attrs.push_back(fmt::format("attr {}={}\n", k, v));
  std::sort(attrs.begin(), attrs.end());
  for (const auto& a : attrs) s += a;
  return s;
}

inline profile::Profile read_as(formats::Format f, const std::string& name, std::string bytes,
                                formats::ReadOptions options = {}) {
  auto in = formats::InputSource::from_memory(name, std::move(bytes));
  options.format = f;
  return formats::read_profile(*in, options);
}

}  // namespace lambdascope::testing
