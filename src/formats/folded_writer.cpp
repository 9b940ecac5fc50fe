// Folded stacks out: "root;caller;...;leaf weight", sorted bytewise like stackcollapse-perf.pl's `sort keys`,
// identical lines summed. Samples are first summed per (root, stack id), each frame's printed name is made
// once, and each distinct (root, stack) line is built once into one buffer, then sorted and merged.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <unordered_map>

#include "formats/writers.hpp"
#include "profile/hash.hpp"
#include "text/utf8.hpp"

namespace lambdascope::formats {

namespace {

using profile::FrameId;
using profile::FrameKind;
using profile::Profile;
using profile::StackId;

std::string format_value(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) return std::to_string(static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

// Folded lines cannot hold ';' inside a frame or a line break; like every writer, they are valid UTF-8.
void append_frame_name(std::string& out, std::string_view name) {
  size_t start = out.size();
  if (text::is_valid_utf8(name)) {
    out.append(name);
  } else {
    text::append_valid_utf8(out, name);
  }
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

// The root frame: comm, comm-PID or comm-PID/TID, spaces as '_' as stackcollapse-perf.pl prints them.
std::string root_name(std::string_view comm_in, int32_t pid, int32_t tid, const FoldedWriteOptions& o) {
  std::string comm = text::valid_utf8(comm_in);
  if (comm.empty() && !o.pid && !o.tid) return {};
  std::replace(comm.begin(), comm.end(), ' ', '_');
  auto num = [](int32_t v) { return v < 0 ? std::string("?") : std::to_string(v); };
  if (o.tid) return comm + "-" + num(pid) + "/" + num(tid);
  if (o.pid) return comm + "-" + num(pid);
  return comm;
}

template <size_t N>
struct Line {
  size_t offset;
  size_t size;
  std::array<double, N> weights;
};

// Lines (without weight) with their summed weights, sorted bytewise, each distinct line once.
// What a root prints: the comm, and the pid and tid when the options print them (-1 otherwise).
struct RootKey {
  profile::StringId thread_name;
  int32_t pid;
  int32_t tid;
  bool operator==(const RootKey&) const = default;
};
struct RootKeyHash {
  size_t operator()(const RootKey& k) const {
    return profile::hash_combine(
        profile::mix64(k.thread_name),
        (uint64_t{static_cast<uint32_t>(k.pid)} << 32) | static_cast<uint32_t>(k.tid));
  }
};

// Lines (without weight) with their summed weights, sorted bytewise, each distinct line once.
template <size_t N>
class Folder {
 public:
  Folder(const Profile& p, const FoldedWriteOptions& o) : p_(p), o_(o) {}

  std::vector<Line<N>> fold(const std::array<size_t, N>& value_index) {
    bool use_root = o_.thread_root || o_.pid || o_.tid;
    std::unordered_map<RootKey, uint32_t, RootKeyHash> root_ids;
    std::vector<std::string> roots;
    // Per (root, stack id) sums.
    std::unordered_map<uint64_t, std::array<double, N>> by_stack;
    for (size_t i = 0; i < p_.num_samples(); ++i) {
      uint32_t root = 0;
      if (use_root) {
        RootKey k{p_.samples.thread_name[i], o_.pid || o_.tid ? p_.samples.pid[i] : -1,
                  o_.tid ? p_.samples.tid[i] : -1};
        auto [it, inserted] = root_ids.try_emplace(k, static_cast<uint32_t>(roots.size()));
        if (inserted) roots.push_back(root_name(p_.strings[k.thread_name], k.pid, k.tid, o_));
        root = it->second;
      }
      auto& w = by_stack[(uint64_t{root} << 32) | p_.samples.stack[i]];
      for (size_t k = 0; k < N; ++k) w[k] += p_.value(i, value_index[k]);
    }
    std::vector<Line<N>> lines;
    lines.reserve(by_stack.size());
    std::vector<FrameId> frames;
    for (const auto& [key, w] : by_stack) {
      size_t start = text_.size();
      if (use_root) append_frame_name(text_, roots[key >> 32]);
      StackId s = static_cast<StackId>(key & 0xffffffffu);
      frames.resize(p_.stacks.depth(s));
      for (size_t i = frames.size(); i > 0; --i, s = p_.stacks.parent(s)) frames[i - 1] = p_.stacks.frame(s);
      for (FrameId f : frames) {
        if (text_.size() > start) text_ += ';';
        text_ += frame_text(f);
      }
      if (text_.size() == start) continue;  // no frames and no root: nothing to show
      lines.push_back({start, text_.size() - start, w});
    }
    std::sort(lines.begin(), lines.end(),
              [&](const Line<N>& a, const Line<N>& b) { return text(a) < text(b); });
    // Different roots can print the same ("a b" and "a_b"): merge equal lines.
    std::vector<Line<N>> merged;
    for (const Line<N>& l : lines) {
      if (!merged.empty() && text(merged.back()) == text(l)) {
        for (size_t k = 0; k < N; ++k) merged.back().weights[k] += l.weights[k];
      } else {
        merged.push_back(l);
      }
    }
    return merged;
  }

  std::string_view text(const Line<N>& l) const { return std::string_view(text_).substr(l.offset, l.size); }

 private:
  // The frame as printed, sanitized and annotated, made once per frame id.
  std::string_view frame_text(FrameId f) {
    if (frame_spans_.empty()) frame_spans_.resize(p_.frames.size(), {0, kUnset});
    auto& [offset, size] = frame_spans_[f];
    if (size == kUnset) {
      offset = names_.size();
      const profile::Frame& fr = p_.frames[f];
      append_annotated(names_, p_.strings[fr.name], fr.kind, o_);
      size = names_.size() - offset;
    }
    return std::string_view(names_).substr(offset, size);
  }

  static constexpr size_t kUnset = SIZE_MAX;
  const Profile& p_;
  const FoldedWriteOptions& o_;
  std::string names_;
  std::vector<std::pair<size_t, size_t>> frame_spans_;
  std::string text_;
};

}  // namespace

std::string write_folded(const Profile& p, const FoldedWriteOptions& o) {
  if (p.num_values() == 0) return {};
  size_t vi = o.value_index == kDefaultValue ? p.meta.default_value_index() : o.value_index;
  Folder<1> folder(p, o);
  std::vector<Line<1>> lines = folder.fold({vi});
  std::string out;
  size_t bytes = 0;
  for (const Line<1>& l : lines) bytes += l.size + 24;
  out.reserve(bytes);
  for (const Line<1>& l : lines) {
    if (l.weights[0] == 0) continue;
    out += folder.text(l);
    out += ' ';
    out += format_value(l.weights[0]);
    out += '\n';
  }
  return out;
}

std::string write_folded_diff(const Profile& diff, const FoldedWriteOptions& o) {
  if (diff.num_values() < 2) return {};
  Folder<2> folder(diff, o);
  std::string out;
  for (const Line<2>& l : folder.fold({0, 1})) {
    if (l.weights[0] == 0 && l.weights[1] == 0) continue;
    out += folder.text(l);
    out += ' ';
    out += format_value(l.weights[0]);
    out += ' ';
    out += format_value(l.weights[1]);
    out += '\n';
  }
  return out;
}

}  // namespace lambdascope::formats
