// Folded stacks out: "root;caller;...;leaf weight", sorted bytewise like stackcollapse-perf.pl's `sort keys`,
// identical lines summed. Stacks are first summed per (stack id, root) so the strings are built once per
// distinct stack, not once per sample.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "formats/writers.hpp"

namespace lambdascope::formats {

namespace {

using profile::FrameKind;
using profile::Profile;

std::string format_value(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) return std::to_string(static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

// Folded lines cannot hold ';' inside a frame or a line break.
void append_frame_name(std::string& out, std::string_view name) {
  size_t start = out.size();
  out.append(name);
  for (size_t i = start; i < out.size(); ++i) {
    char& c = out[i];
    if (c == ';') c = ':';
    if (c == '\n' || c == '\r') c = ' ';
  }
}

void append_annotated(std::string& out, std::string_view name, FrameKind kind, const FoldedWriteOptions& o) {
  append_frame_name(out, name);
  std::string_view suffix;
  if (kind == FrameKind::kKernel && o.annotate_kernel) suffix = "_[k]";
  if (kind == FrameKind::kJit && o.annotate_jit) suffix = "_[j]";
  if (kind == FrameKind::kInlined && o.annotate_inlined) suffix = "_[i]";
  // Names read from annotated folded input keep their suffix; do not add a second one.
  if (!suffix.empty() && !name.ends_with(suffix)) out += suffix;
}

std::string root_name(const Profile& p, size_t i, const FoldedWriteOptions& o) {
  std::string comm(p.strings[p.samples.thread_name[i]]);
  if (comm.empty() && !o.pid && !o.tid) return {};
  std::replace(comm.begin(), comm.end(), ' ', '_');  // as stackcollapse-perf.pl does
  auto num = [](int32_t v) { return v < 0 ? std::string("?") : std::to_string(v); };
  if (o.tid) return comm + "-" + num(p.samples.pid[i]) + "/" + num(p.samples.tid[i]);
  if (o.pid) return comm + "-" + num(p.samples.pid[i]);
  return comm;
}

// Returns (line without weight) -> weights, over all samples.
template <size_t N>
std::map<std::string, std::array<double, N>> fold(const Profile& p, const FoldedWriteOptions& o,
                                                  const std::array<size_t, N>& value_index) {
  // Key: root string id (interned locally) and stack id.
  std::vector<std::string> roots;
  std::unordered_map<std::string, uint32_t> root_ids;
  std::unordered_map<uint64_t, std::array<double, N>> by_stack;
  bool use_root = o.thread_root || o.pid || o.tid;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    uint32_t root = 0;
    if (use_root) {
      std::string r = root_name(p, i, o);
      auto [it, inserted] = root_ids.try_emplace(r, static_cast<uint32_t>(roots.size()));
      if (inserted) roots.push_back(r);
      root = it->second;
    }
    auto& w = by_stack[(uint64_t{root} << 32) | p.samples.stack[i]];
    for (size_t k = 0; k < N; ++k) w[k] += p.value(i, value_index[k]);
  }
  std::map<std::string, std::array<double, N>> lines;
  std::string line;
  for (const auto& [key, w] : by_stack) {
    line.clear();
    if (use_root) {
      const std::string& r = roots[key >> 32];
      append_frame_name(line, r);
    }
    for (profile::FrameId f : p.stacks.frames_root_first(static_cast<profile::StackId>(key & 0xffffffffu))) {
      if (!line.empty()) line += ';';
      const profile::Frame& fr = p.frames[f];
      append_annotated(line, p.strings[fr.name], fr.kind, o);
    }
    if (line.empty()) continue;  // a sample with no frames and no root has nothing to show
    auto& sum = lines[line];
    for (size_t k = 0; k < N; ++k) sum[k] += w[k];
  }
  return lines;
}

}  // namespace

std::string write_folded(const Profile& p, const FoldedWriteOptions& o) {
  if (p.num_values() == 0) return {};
  size_t vi = o.value_index == kDefaultValue ? p.meta.default_value_index() : o.value_index;
  std::string out;
  for (const auto& [line, w] : fold<1>(p, o, {vi})) {
    if (w[0] == 0) continue;
    out += line;
    out += ' ';
    out += format_value(w[0]);
    out += '\n';
  }
  return out;
}

std::string write_folded_diff(const Profile& diff, const FoldedWriteOptions& o) {
  if (diff.num_values() < 2) return {};
  std::string out;
  for (const auto& [line, w] : fold<2>(diff, o, {0, 1})) {
    if (w[0] == 0 && w[1] == 0) continue;
    out += line;
    out += ' ';
    out += format_value(w[0]);
    out += ' ';
    out += format_value(w[1]);
    out += '\n';
  }
  return out;
}

}  // namespace lambdascope::formats
