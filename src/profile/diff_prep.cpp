#include "profile/diff_prep.hpp"

#include <cctype>
#include <cmath>
#include <limits>

namespace lambdascope::profile {

namespace {

std::string strip_hex(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '0' && i + 2 < s.size() && s[i + 1] == 'x' &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      size_t end = i + 2;
      while (end < s.size() && std::isxdigit(static_cast<unsigned char>(s[end]))) ++end;
      out += "0x...";
      i = end;
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

Profile strip_hex_addresses(const Profile& p) {
  Profile out;
  out.meta = p.meta;
  constexpr uint32_t kUnmapped = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> frames(p.frames.size(), kUnmapped);
  std::vector<uint32_t> stacks(p.stacks.size(), kUnmapped);
  stacks[StackTrie::kRoot] = StackTrie::kRoot;
  auto frame = [&](FrameId f) {
    if (frames[f] == kUnmapped) {
      const Frame& fr = p.frames[f];
      frames[f] = out.intern_frame(strip_hex(p.strings[fr.name]), p.strings[fr.module], fr.kind,
                                   p.strings[fr.file], fr.line);
    }
    return frames[f];
  };
  // Parents have smaller ids, so one pass in id order maps every stack after its parent.
  for (StackId s = 1; s < p.stacks.size(); ++s)
    stacks[s] = out.stacks.push(stacks[p.stacks.parent(s)], frame(p.stacks.frame(s)));
  for (size_t i = 0; i < p.num_samples(); ++i) {
    SampleRow row;
    row.stack = stacks[p.samples.stack[i]];
    row.values = p.values_of(i);
    row.time_ns = p.samples.time_ns[i];
    row.pid = p.samples.pid[i];
    row.tid = p.samples.tid[i];
    row.cpu = p.samples.cpu[i];
    row.thread_name = out.intern(p.strings[p.samples.thread_name[i]]);
    out.add_sample(row);
  }
  return out;
}

void difffolded_normalize(Profile& diff) {
  if (diff.num_values() < 2) return;
  double base_total = diff.total(0), new_total = diff.total(1);
  if (base_total == 0) return;
  const size_t n = diff.num_values();
  for (size_t i = 0; i < diff.num_samples(); ++i) {
    double& v = diff.samples.values[i * n];
    v = std::trunc(v * new_total / base_total);
  }
}

}  // namespace lambdascope::profile
