#include "formats/format.hpp"

#include <cctype>
#include <cstdint>

namespace lambdascope::formats {

namespace {

struct Named {
  Format format;
  std::string_view name;
};
constexpr Named kNames[] = {
    {Format::kPerfScript, "perf-script"},
    {Format::kFolded, "folded"},
    {Format::kPprof, "pprof"},
    {Format::kGperftoolsCpu, "gperftools"},
    {Format::kCpuProfile, "cpuprofile"},
    {Format::kChromeTrace, "chrome-trace"},
    {Format::kSpeedscope, "speedscope"},
};

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Reads a protobuf varint; false when it runs past the end or is over-long.
bool varint(std::string_view s, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= s.size()) return false;
    auto b = static_cast<unsigned char>(s[pos++]);
    out |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Walks top-level fields of a would-be profile.proto: every field must be one pprof defines, with the wire
// type pprof uses, and lengths must stay inside the data (the last field may run past the sniffed window).
bool looks_like_pprof(std::string_view s) {
  if (s.empty()) return false;
  size_t pos = 0;
  int fields = 0;
  while (pos < s.size()) {
    uint64_t tag;
    if (!varint(s, pos, tag)) return fields > 0;
    uint64_t field = tag >> 3, wire = tag & 7;
    bool len_field = field <= 6 || field == 11 || field == 13 || field == 15;
    bool varint_field = (field >= 7 && field <= 10) || field == 12 || field == 13 || field == 14;
    if (field == 0 || field > 15) return false;
    if (wire == 2 && len_field) {
      uint64_t len;
      if (!varint(s, pos, len)) return fields > 0;
      if (len > s.size() - pos) return fields > 0 || s.size() >= 16;
      pos += len;
    } else if (wire == 0 && varint_field) {
      uint64_t v;
      if (!varint(s, pos, v)) return fields > 0;
    } else {
      return false;
    }
    ++fields;
  }
  return fields > 0;
}

// gperftools' legacy CPU profile starts with the header words 0, 3, 0, period, 0 (4- or 8-byte words, either
// byte order); the Java variant of the format has 1 for the third word.
bool looks_like_gperftools(std::string_view s) {
  auto word = [&](size_t i, size_t w) {
    uint64_t v = 0;
    for (size_t k = 0; k < w; ++k) v |= uint64_t{static_cast<unsigned char>(s[i * w + k])} << (8 * k);
    return v;
  };
  for (size_t w : {size_t{8}, size_t{4}}) {
    if (s.size() < 5 * w) continue;
    uint64_t three = word(1, w);
    bool three_ok = three == 3 || three == (w == 8 ? 0x0300000000000000ULL : 0x03000000ULL);
    uint64_t kind = word(2, w);
    bool kind_ok = kind == 0 || kind == 1 || kind == (w == 8 ? 0x0100000000000000ULL : 0x01000000ULL);
    if (word(0, w) == 0 && three_ok && kind_ok && word(4, w) == 0) return true;
  }
  return false;
}

std::string_view skip_bom_and_space(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

Format sniff_json(std::string_view s) {
  auto has = [&](std::string_view key) { return s.find(key) != std::string_view::npos; };
  if (has("speedscope.app/file-format-schema") || (has("\"shared\"") && has("\"profiles\"")))
    return Format::kSpeedscope;
  if (has("\"traceEvents\"") || s.front() == '[') return Format::kChromeTrace;
  if (has("\"nodes\"") || has("\"timeDeltas\"") || has("\"callFrame\"")) return Format::kCpuProfile;
  if (has("\"ProfileChunk\"") || has("\"ph\"")) return Format::kChromeTrace;
  return Format::kCpuProfile;  // a .cpuprofile whose keys come after the sniffed window
}

// perf script text has event lines ("comm pid [cpu] 123.456789: period event:" or, from old perf, lines
// ending in "event:") and frame lines ("  addr sym+off (dso)", indented or not). Folded lines end in a count
// instead.
bool is_perf_frame_line(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return false;
  size_t j = i;
  while (j < line.size() && is_hex(line[j])) ++j;
  return j > i && j < line.size() && line[j] == ' ' && line.back() == ')' &&
         line.find(" (", j) != std::string_view::npos;
}

bool is_perf_event_line(std::string_view line) {
  if (line.empty() || line.front() == '\t') return false;
  if (line.back() == ':') return true;
  // A timestamp: digits '.' digits ':'.
  for (size_t p = line.find(": "); p != std::string_view::npos; p = line.find(": ", p + 1)) {
    size_t k = p;
    while (k > 0 && std::isdigit(static_cast<unsigned char>(line[k - 1]))) --k;
    if (k < p && k > 1 && line[k - 1] == '.' && std::isdigit(static_cast<unsigned char>(line[k - 2])))
      return true;
  }
  return false;
}

bool looks_like_perf(std::string_view s) {
  size_t pos = 0;
  int frame_lines = 0, event_lines = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    std::string_view line = s.substr(pos, end == std::string_view::npos ? s.size() - pos : end - pos);
    pos = end == std::string_view::npos ? s.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (is_perf_frame_line(line))
      ++frame_lines;
    else if (is_perf_event_line(line))
      ++event_lines;
    if ((frame_lines >= 1 && event_lines >= 1) || event_lines >= 2 || frame_lines >= 2) return true;
  }
  return false;
}

}  // namespace

std::string_view format_name(Format f) {
  for (const Named& n : kNames)
    if (n.format == f) return n.name;
  return "unknown";
}

std::optional<Format> parse_format_name(std::string_view name) {
  for (const Named& n : kNames)
    if (n.name == name) return n.format;
  return std::nullopt;
}

Format sniff(std::string_view head) {
  if (head.empty()) return Format::kUnknown;
  if (looks_like_gperftools(head)) return Format::kGperftoolsCpu;
  if (head.starts_with("heap profile:")) return Format::kGperftoolsCpu;  // gperftools' heap profile (text)
  // UTF-16 with a byte order mark: only folded text is written that way by the tools we know.
  if (head.size() >= 2 &&
      ((head[0] == '\xFF' && head[1] == '\xFE') || (head[0] == '\xFE' && head[1] == '\xFF')))
    return Format::kFolded;
  std::string_view text = skip_bom_and_space(head);
  if (!text.empty() && (text.front() == '{' || text.front() == '[')) return sniff_json(text);
  // Binary before text: protobuf starts with a field tag, text with a printable character.
  bool binary = false;
  for (size_t i = 0; i < head.size() && i < 512; ++i) {
    auto c = static_cast<unsigned char>(head[i]);
    if (c < 0x09 || (c > 0x0d && c < 0x20)) {
      binary = true;
      break;
    }
  }
  if (binary) return looks_like_pprof(head) ? Format::kPprof : Format::kUnknown;
  if (looks_like_perf(text)) return Format::kPerfScript;
  return Format::kFolded;
}

}  // namespace lambdascope::formats
