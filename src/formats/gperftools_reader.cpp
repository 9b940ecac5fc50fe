// gperftools' legacy CPU profile (and its Java variant, the same container) to the model, by the rules of
// pprof's legacy_profile.go, so a profile reads the same here as in `go tool pprof`:
//
//   header   0, 3, 0 (C++) or 1 (Java), sampling period in µs, 0   words of 4 or 8 bytes, either byte order
//   samples  count, depth, depth PCs (leaf first)                  repeated
//   trailer  0, 1, 0
//   text     C++: /proc/self/maps of the process; Java: "0xADDR function (file:line)" lines
//
// Frames are the addresses ("0x4005d6") in the module whose mapping holds them. As pprof does, return
// addresses (all but the leaf) are moved back one byte onto the call, a signal-handler frame shared by almost
// every sample is dropped, and a leaf duplicated by the unwinder is removed.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "formats/gperftools_heap_reader.hpp"
#include "formats/gperftools_maps.hpp"
#include "formats/parse_error.hpp"
#include "formats/pprof_metadata.hpp"
#include "formats/pprof_module_kind.hpp"
#include "formats/reader.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

namespace {

using gperftools::is_hex_digit;
using gperftools::is_space;
using gperftools::Mapping;
using gperftools::parse_hex;
using profile::FrameId;
using profile::Profile;

// pprof's drop_frames for legacy CPU profiles: the profiler's own frames.
constexpr std::string_view kCpuProfilerFrames =
    "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore";

struct WordReader {
  size_t width = 8;
  bool big_endian = false;

  uint64_t at(std::string_view d, size_t pos) const {
    uint64_t v = 0;
    for (size_t k = 0; k < width; ++k) {
      auto b = static_cast<unsigned char>(d[pos + k]);
      v |= uint64_t{b} << (8 * (big_endian ? width - 1 - k : k));
    }
    return v;
  }
};

struct CpuProfileHeader {
  WordReader words;
  bool java = false;
  uint64_t period_us = 0;
};

// pprof tries 32-bit little endian, 32-bit big endian, 64-bit little, 64-bit big, in that order.
std::optional<CpuProfileHeader> read_header(std::string_view d) {
  for (auto [width, big] : {std::pair{4, false}, {4, true}, {8, false}, {8, true}}) {
    WordReader w{static_cast<size_t>(width), big};
    if (d.size() < 5 * w.width) continue;
    uint64_t n[5];
    for (size_t i = 0; i < 5; ++i) n[i] = w.at(d, i * w.width);
    if (n[0] == 0 && n[1] == 3 && n[2] <= 1 && n[3] > 0 && n[4] == 0)
      return CpuProfileHeader{w, n[2] == 1, n[3]};
  }
  return std::nullopt;
}

struct RawSamples {
  std::vector<uint64_t> counts;
  std::vector<uint32_t> begin{0};  // sample i's addresses are addrs[begin[i], begin[i+1])
  std::vector<uint64_t> addrs;
  size_t text_offset = 0;  // where the text after the trailer starts
  bool trailer = false;
};

RawSamples read_samples(const std::string& name, std::string_view d, const CpuProfileHeader& h) {
  const size_t w = h.words.width;
  RawSamples r;
  size_t pos = 5 * w;
  while (pos < d.size()) {
    size_t sample_at = pos;
    if (d.size() - pos < 2 * w)
      throw ParseError::at_byte(name, pos,
                                fmt::format("sample {} is cut short: expected its count and depth ({} bytes "
                                            "each), but only {} bytes remain",
                                            r.counts.size() + 1, w, d.size() - pos));
    uint64_t count = h.words.at(d, pos);
    uint64_t depth = h.words.at(d, pos + w);
    pos += 2 * w;
    if (depth > (d.size() - pos) / w)
      throw ParseError::at_byte(name, sample_at,
                                fmt::format("sample {} declares {} addresses, but only {} bytes remain (a "
                                            "truncated or corrupt profile)",
                                            r.counts.size() + 1, depth, d.size() - pos));
    if (count == 0 && depth == 1 && h.words.at(d, pos) == 0) {
      r.trailer = true;
      pos += w;
      break;
    }
    for (uint64_t i = 0; i < depth; ++i, pos += w) {
      uint64_t a = h.words.at(d, pos);
      // Return addresses point after the call; pprof moves them back onto it (not in Java profiles).
      if (!h.java && i > 0) --a;
      r.addrs.push_back(a);
    }
    r.counts.push_back(count);
    r.begin.push_back(static_cast<uint32_t>(r.addrs.size()));
  }
  r.text_offset = pos;
  return r;
}

// pprof's heuristic: when (nearly) all samples share their second frame, it is the signal handler's frame,
// pushed by the profiler, not the program's: drop it (up to twice).
void drop_signal_frames(RawSamples& r) {
  const size_t n = r.counts.size();
  const size_t margin = n / 32;
  for (int iter = 0; iter < 2; ++iter) {
    std::unordered_map<uint64_t, size_t> second;
    for (size_t i = 0; i < n; ++i)
      if (r.begin[i + 1] - r.begin[i] > 1) ++second[r.addrs[r.begin[i] + 1]];
    std::optional<uint64_t> handler;
    for (const auto& [addr, count] : second)
      if (count >= n - margin) handler = addr;
    if (!handler) continue;
    // Rebuild without the handler frame.
    std::vector<uint64_t> addrs;
    std::vector<uint32_t> begin{0};
    addrs.reserve(r.addrs.size());
    for (size_t i = 0; i < n; ++i) {
      for (uint32_t k = r.begin[i]; k < r.begin[i + 1]; ++k)
        if (!(k == r.begin[i] + 1 && r.addrs[k] == *handler)) addrs.push_back(r.addrs[k]);
      begin.push_back(static_cast<uint32_t>(addrs.size()));
    }
    r.addrs = std::move(addrs);
    r.begin = std::move(begin);
  }
}

struct JavaFrame {
  std::string name, file;
  uint32_t line = 0;
};

// "0x0000006 com.example.function06 (source.java:06)", "0x3 GC", "0x9 foo (/path/lib.so)".
std::unordered_map<uint64_t, JavaFrame> read_java_symbols(std::string_view text) {
  std::unordered_map<uint64_t, JavaFrame> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (is_space(line.front()) || line.front() == '\n')) line.remove_prefix(1);
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    if (!line.starts_with("0x")) continue;
    size_t sp = 2;
    while (sp < line.size() && is_hex_digit(line[sp])) ++sp;
    uint64_t addr;
    if (sp == 2 || sp == line.size() || !is_space(line[sp]) || !parse_hex(line.substr(2, sp - 2), addr))
      continue;
    std::string_view rest = line.substr(sp);
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    JavaFrame f;
    size_t open = rest.rfind(" (");
    if (rest.ends_with(")") && open != std::string_view::npos) {
      std::string_view func = rest.substr(0, open);
      while (!func.empty() && is_space(func.back())) func.remove_suffix(1);
      std::string_view inside = rest.substr(open + 2, rest.size() - open - 3);
      size_t colon = inside.rfind(':');
      int64_t n = 0;
      std::string_view num = colon == std::string_view::npos ? std::string_view{} : inside.substr(colon + 1);
      auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
      if (colon != std::string_view::npos && colon > 0 && ec == std::errc() &&
          end == num.data() + num.size() && !num.empty()) {
        f.name = func;
        f.file = inside.substr(0, colon);
        f.line = n > 0 && n <= INT32_MAX ? static_cast<uint32_t>(n) : 0;
      } else {
        // A shared library path: only its base name is interesting.
        f.name = func;
        size_t slash = inside.rfind('/');
        f.file = slash == std::string_view::npos ? inside : inside.substr(slash + 1);
      }
    } else if (rest.find("generated stub/JIT") != std::string_view::npos) {
      f.name = "STUB";
    } else {
      f.name = rest;  // the agent's pseudo-frames: "GC", "VM", "Compile"
    }
    out[addr] = std::move(f);
  }
  return out;
}

}  // namespace

profile::Profile read_gperftools_cpu(InputSource& in, const ReadOptions& options) {
  const std::string& name = in.name();
  std::string data = in.read_all();
  if (looks_like_heap_profile(data)) return read_gperftools_heap(name, data, options);
  std::optional<CpuProfileHeader> h = read_header(data);
  if (!h)
    throw ParseError::at_byte(name, 0,
                              "not a gperftools CPU profile: expected the header words 0, 3, 0 (or 1 for "
                              "Java), the sampling period, 0");
  RawSamples raw = read_samples(name, data, *h);
  if (!raw.trailer && options.warn)
    options.warn(name + ": no end-of-profile marker (0, 1, 0): the profile may be truncated");
  std::string_view text = std::string_view(data).substr(raw.text_offset);

  Profile p;
  p.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.meta.period_type = {"cpu", "nanoseconds"};
  p.meta.period = static_cast<int64_t>(std::min<uint64_t>(h->period_us, INT64_MAX / 1000)) * 1000;
  p.meta.set_attribute(profile::attr::kSourceFormat, "gperftools");
  p.meta.set_attribute(pprof::kDropFrames, std::string(kCpuProfilerFrames));

  std::unordered_map<uint64_t, FrameId> frames;
  std::vector<Mapping> mappings;
  std::unordered_map<uint64_t, JavaFrame> java;
  if (h->java) {
    java = read_java_symbols(text);
  } else {
    drop_signal_frames(raw);
    mappings = gperftools::read_mappings(text);
  }
  auto intern = [&](uint64_t a) {
    auto [it, inserted] = frames.try_emplace(a, 0);
    if (!inserted) return it->second;
    auto j = java.find(a);
    if (j != java.end()) {
      it->second =
          p.intern_frame(j->second.name, {}, profile::FrameKind::kNative, j->second.file, j->second.line);
    } else {
      std::string_view module = gperftools::module_of(mappings, a);
      it->second = p.intern_frame(fmt::format("0x{:x}", a), module, pprof::kind_of_module(module));
    }
    return it->second;
  };

  std::optional<profile::SampleAggregator> aggregator;
  if (options.aggregate) aggregator.emplace(p, profile::AggregateKeys{});
  const double period = static_cast<double>(p.meta.period);
  std::vector<FrameId> stack;
  for (size_t i = 0; i < raw.counts.size(); ++i) {
    uint32_t b = raw.begin[i], e = raw.begin[i + 1];
    // pprof's cleanupDuplicateLocations: the unwinder may report the leaf twice, the copy moved back by one.
    bool duplicate_leaf = !h->java && e - b > 1 && raw.addrs[b] == raw.addrs[b + 1] + 1;
    stack.clear();
    for (uint32_t k = e; k > b; --k) {
      if (duplicate_leaf && k - 1 == b + 1) continue;
      stack.push_back(intern(raw.addrs[k - 1]));
    }
    double values[2] = {static_cast<double>(raw.counts[i]), static_cast<double>(raw.counts[i]) * period};
    profile::SampleRow row;
    row.stack = p.intern_stack(stack);
    row.values = values;
    if (aggregator) {
      aggregator->add(row);
    } else {
      p.add_sample(row);
    }
  }
  return p;
}

}  // namespace lambdascope::formats
