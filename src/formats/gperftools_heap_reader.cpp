// The heap profile text, as pprof's legacy_profile.go (parseHeap) reads it:
//
//   heap profile: 13: 1595680 [47130736: 2584596557304] @ heap/1048576      in-use [allocated] totals, kind
//   1: 524288 [3: 1572864] @ 0x420cef 0x422151 ...                          one line per stack, leaf first
//   MAPPED_LIBRARIES:                                                       then /proc/self/maps
//
// Sampled kinds (heap_v2, Go's heap) are scaled up by the probability that an allocation of that average size
// was sampled; every address is a return address and moves back one byte onto its call; each sample gets the
// numeric label "bytes" (the block size), as pprof gives it.
#include "formats/gperftools_heap_reader.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "formats/gperftools_maps.hpp"
#include "formats/parse_error.hpp"
#include "formats/pprof_metadata.hpp"
#include "formats/pprof_module_kind.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

namespace {

// pprof's drop_frames and keep_frames for heap profiles: the allocator's own frames.
constexpr std::string_view kAllocFrames =
    "calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|tcmalloc::.*|"
    "tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|tc_pvalloc|tc_valloc|tc_realloc|tc_"
    "new|"
    "tc_delete|tc_newarray|tc_deletearray|tc_new_nothrow|tc_newarray_nothrow|malloc_zone_malloc|"
    "malloc_zone_calloc|malloc_zone_valloc|malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|"
    "runtime\\..*|BaseArena::.*|(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|"
    "DoSampledAllocation|MallocedMemBlock::MallocedMemBlock|_M_allocate|__builtin_(vec_)?delete|"
    "__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate|__libc_malloc|__malloc_alloc_template::allocate|"
    "allocate|cpp_alloc|operator new(\\[\\])?|simple_alloc::allocate";
constexpr std::string_view kAllocKeepFrames = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";

// A cursor over one line for the header's and samples' fixed shapes.
struct Cursor {
  std::string_view s;
  size_t i = 0;

  void spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool literal(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Digits (with an optional leading '-'), as text.
  std::optional<std::string_view> digits(bool minus = false) {
    size_t b = i;
    if (minus && i < s.size() && s[i] == '-') ++i;
    size_t d = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == d) {
      i = b;
      return std::nullopt;
    }
    return s.substr(b, i - b);
  }
  std::optional<std::string_view> word() {
    size_t b = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) ++i;
    return s.substr(b, i - b);
  }
};

bool to_int(std::string_view s, int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// "N: N [N: N]": in-use count and bytes, then allocated count and bytes.
std::optional<std::array<std::string_view, 4>> counts(Cursor& c, bool minus) {
  std::array<std::string_view, 4> out;
  c.spaces();
  auto a = c.digits(minus);
  if (!a || !c.literal(':')) return std::nullopt;
  c.spaces();
  auto b = c.digits(minus);
  c.spaces();
  if (!b || !c.literal('[')) return std::nullopt;
  c.spaces();
  auto x = c.digits();
  if (!x || !c.literal(':')) return std::nullopt;
  c.spaces();
  auto y = c.digits();
  c.spaces();
  if (!y || !c.literal(']')) return std::nullopt;
  out = {*a, *b, *x, *y};
  return out;
}

struct Header {
  bool sampled = false;  // "v2": values are scaled by the sampling probability
  int64_t period = 0;
  bool has_alloc = false;
};

Header read_header(const std::string& name, std::string_view line) {
  auto bad = [&](const std::string& why) {
    return ParseError::at_line(name, 1, why + ": " + quote_excerpt(line.data(), line.size()));
  };
  Cursor c{line, line.find("heap profile:")};
  if (c.i == std::string_view::npos) throw bad("not a heap profile");
  c.i += 13;
  auto n = counts(c, false);
  if (!n) throw bad("expected \"heap profile: N: N [N: N] @ kind\"");
  c.spaces();
  if (!c.literal('@')) throw bad("expected \"@ kind\" after the totals");
  c.spaces();
  std::string_view kind = *c.word();
  Header h;
  if (kind == "growth" || kind == "growthz" || kind == "fragmentation" || kind == "fragmentationz") {
    h.period = 1;
    return h;
  }
  int64_t rate = 0;
  if (c.literal('/')) {
    auto d = c.digits();
    if (d && !to_int(*d, rate)) throw bad("sampling rate out of range");
  }
  const auto& t = *n;
  h.has_alloc = (t[2] != t[0] && t[2] != "0") || (t[3] != t[1] && t[3] != "0");
  if (kind == "heapz_v2" || kind == "heap_v2") {
    h.sampled = true;
    h.period = rate;
  } else if (kind == "heapprofile") {
    h.period = 1;
  } else if (kind == "heap") {
    h.sampled = true;  // Go's runtime: the rate in the header is twice MemProfileRate
    h.period = rate / 2;
  } else {
    throw bad(
        fmt::format("unknown heap profile kind \"{}\" (expected heapprofile, heap, heap_v2, heapz_v2, "
                    "growthz or fragmentationz)",
                    kind));
  }
  return h;
}

// pprof's scaleHeapSample: an allocation of average size S was sampled with probability 1 - exp(-S/rate).
void scale(int64_t& count, int64_t& size, int64_t rate) {
  if (count == 0 || size == 0) {
    count = size = 0;
    return;
  }
  if (rate <= 1) return;
  double avg = static_cast<double>(size) / static_cast<double>(count);
  double s = 1 / (1 - std::exp(-avg / static_cast<double>(rate)));
  count = static_cast<int64_t>(static_cast<double>(count) * s);
  size = static_cast<int64_t>(static_cast<double>(size) * s);
}

bool is_sentinel(std::string_view line) {
  return line.find("--- Memory map: ---") != std::string_view::npos ||
         line.find("MAPPED_LIBRARIES:") != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (gperftools::is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (gperftools::is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

profile::Profile read_gperftools_heap(const std::string& name, std::string_view text,
                                      const ReadOptions& options) {
  size_t eol = text.find('\n');
  Header h = read_header(name, text.substr(0, eol));
  profile::Profile p;
  profile::Metadata& m = p.meta;
  if (h.has_alloc) {
    // alloc before inuse, so the default (the last type) is inuse_space, as in pprof.
    m.sample_types = {{"alloc_objects", "count"},
                      {"alloc_space", "bytes"},
                      {"inuse_objects", "count"},
                      {"inuse_space", "bytes"}};
  } else {
    m.sample_types = {{"objects", "count"}, {"space", "bytes"}};
  }
  m.period_type = {"space", "bytes"};
  m.period = h.period;
  m.set_attribute(profile::attr::kSourceFormat, "gperftools");
  m.set_attribute(pprof::kDropFrames, std::string(kAllocFrames));
  m.set_attribute(pprof::kKeepFrames, std::string(kAllocKeepFrames));

  struct Row {
    std::vector<double> values;
    int64_t block_size;
    std::vector<uint64_t> addrs;
  };
  std::vector<Row> rows;
  std::string_view maps;
  size_t pos = eol == std::string_view::npos ? text.size() : eol + 1;
  for (uint64_t line_no = 2; pos < text.size(); ++line_no) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (is_sentinel(line)) {
      maps = text.substr(std::min(pos, text.size()));
      break;
    }
    Cursor c{line};
    auto n = counts(c, true);
    c.spaces();
    if (!n || !c.literal('@'))
      throw ParseError::at_line(
          name, line_no,
          "expected a heap sample \"inuse_count: inuse_bytes [alloc_count: alloc_bytes] @ "
          "0xaddr ...\", got " +
              quote_excerpt(line.data(), line.size()));
    Row row{{}, 0, {}};
    auto add = [&](std::string_view count_text, std::string_view size_text, const char* what) {
      int64_t count = 0, size = 0;
      if (!to_int(count_text, count) || !to_int(size_text, size))
        throw ParseError::at_line(name, line_no, fmt::format("{} count or bytes out of range", what));
      if (count == 0 && size != 0)
        throw ParseError::at_line(name, line_no,
                                  fmt::format("{} count is 0 but {} bytes is {}", what, what, size));
      if (count != 0) {
        row.block_size = size / count;
        if (h.sampled) scale(count, size, h.period);
      }
      row.values.push_back(static_cast<double>(count));
      row.values.push_back(static_cast<double>(size));
    };
    const auto& t = *n;
    if (h.has_alloc) add(t[2], t[3], "allocation");
    add(t[0], t[1], "in-use");
    // Addresses: "0x..." words among the characters pprof's pattern allows after '@'.
    std::string_view rest = line.substr(c.i);
    size_t stop = rest.find_first_not_of(" x0123456789abcdef");
    rest = rest.substr(0, stop);
    for (size_t k = rest.find("0x"); k != std::string_view::npos; k = rest.find("0x", k)) {
      size_t e = k + 2;
      while (e < rest.size() && gperftools::is_hex_digit(rest[e])) ++e;
      if (e == k + 2) {
        k = e;
        continue;
      }
      uint64_t a = 0;
      if (!gperftools::parse_hex(rest.substr(k, e - k), a))
        throw ParseError::at_line(name, line_no,
                                  "address " + std::string(rest.substr(k, e - k)) + " does not fit 64 bits");
      row.addrs.push_back(a - 1);  // a return address: move back onto the call
      k = e;
    }
    rows.push_back(std::move(row));
  }

  std::vector<gperftools::Mapping> mappings = gperftools::read_mappings(maps);
  std::unordered_map<uint64_t, profile::FrameId> frames;
  std::optional<profile::SampleAggregator> aggregator;
  if (options.aggregate) aggregator.emplace(p, profile::AggregateKeys{});
  profile::StringId bytes = p.intern("bytes");
  std::vector<profile::FrameId> stack;
  for (const Row& row : rows) {
    stack.clear();
    for (size_t k = row.addrs.size(); k > 0; --k) {
      uint64_t a = row.addrs[k - 1];
      auto [it, inserted] = frames.try_emplace(a, 0);
      if (inserted) {
        std::string_view module = gperftools::module_of(mappings, a);
        it->second = p.intern_frame(fmt::format("0x{:x}", a), module, pprof::kind_of_module(module));
      }
      stack.push_back(it->second);
    }
    profile::SampleRow s;
    s.stack = p.intern_stack(stack);
    s.values = row.values;
    s.labels = p.label_sets.intern({{bytes, 0, row.block_size, 0}});
    if (aggregator) {
      aggregator->add(s);
    } else {
      p.add_sample(s);
    }
  }
  return p;
}

}  // namespace lambdascope::formats
