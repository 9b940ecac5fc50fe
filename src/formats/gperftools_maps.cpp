#include "formats/gperftools_maps.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace lambdascope::formats::gperftools {

namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_perm(char c) {
  return c == '-' || c == 'r' || c == 'w' || c == 'x' || c == 'p';
}
bool is_device(std::string_view s) {
  size_t colon = s.find(':');
  return colon != std::string_view::npos && all_of(s.substr(0, colon), is_hex_digit) &&
         all_of(s.substr(colon + 1), is_hex_digit);
}

// One line of /proc/self/maps ("start-end perms offset dev inode path") or pprof's brief form
// ("start-end path (@offset) build-id"). Lines that are neither are skipped, as pprof skips them; so are
// mappings that are not executable.
std::optional<Mapping> parse_mapping_line(std::string_view line) {
  std::vector<std::string_view> w = split_words(line);
  if (w.empty()) return std::nullopt;
  Mapping m;
  size_t i = 0;
  size_t dash = w[0].find('-');
  if (dash != std::string_view::npos) {
    std::string_view end = w[0].substr(dash + 1);
    if (end.ends_with(':')) end.remove_suffix(1);
    if (!parse_hex(w[0].substr(0, dash), m.start) || !parse_hex(end, m.limit)) return std::nullopt;
    i = 1;
  } else {
    std::string_view end = w.size() > 1 ? w[1] : std::string_view{};
    if (end.starts_with('-')) end.remove_prefix(1);
    if (end.ends_with(':')) end.remove_suffix(1);
    if (!parse_hex(w[0], m.start) || !parse_hex(end, m.limit)) return std::nullopt;
    i = 2;
  }
  std::string_view perms;
  if (i < w.size() && all_of(w[i], is_perm)) perms = w[i++];
  if (!perms.empty() && perms.find('x') == std::string_view::npos) return std::nullopt;
  // /proc/self/maps: [offset] dev inode [path]
  size_t j = i;
  uint64_t offset = 0;
  if (j + 1 < w.size() && parse_hex(w[j], offset) && is_device(w[j + 1])) ++j;
  if (j + 1 < w.size() && is_device(w[j]) && all_of(w[j + 1], is_digit)) {
    m.offset = j > i ? offset : 0;
    if (j + 2 < w.size()) m.file = w[j + 2];
    return m;
  }
  // Brief: [path] [(@offset)] [build id]
  if (i < w.size() && !w[i].starts_with("(@")) m.file = w[i++];
  if (i < w.size() && w[i].starts_with("(@") && w[i].ends_with(")")) {
    if (!parse_hex(w[i].substr(2, w[i].size() - 3), m.offset)) return std::nullopt;
    ++i;
  }
  if (i < w.size() && all_of(w[i], is_hex_digit)) m.build_id = w[i];
  return m;
}

bool is_library(std::string_view file) {
  // pprof's libRx: ([.]so$|[.]so[._][0-9]+)
  if (file.ends_with(".so")) return true;
  for (size_t p = file.find(".so"); p != std::string_view::npos; p = file.find(".so", p + 1))
    if (p + 4 < file.size() && (file[p + 3] == '.' || file[p + 3] == '_') && is_digit(file[p + 4]))
      return true;
  return false;
}

}  // namespace

bool parse_hex(std::string_view s, uint64_t& out) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  if (s.empty() || s.size() > 16) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && end == s.data() + s.size();
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// pprof's massageMappings and remapMappingIDs heuristics: adjacent pieces of one file become one mapping, the
// main binary goes first, and the main binary's start is corrected when it was reported with an offset.
std::vector<Mapping> read_mappings(std::string_view text) {
  std::vector<Mapping> ms;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (auto m = parse_mapping_line(line)) {
      if (!ms.empty()) {
        Mapping& last = ms.back();
        bool adjacent =
            last.limit == m->start && (last.file.empty() || m->file.empty() || last.file == m->file) &&
            (last.build_id.empty() || m->build_id.empty() || last.build_id == m->build_id) &&
            (last.offset == 0 || m->offset == 0 || last.offset + (last.limit - last.start) == m->offset);
        if (adjacent) {
          last.limit = m->limit;
          if (!m->file.empty()) last.file = m->file;
          if (!m->build_id.empty()) last.build_id = m->build_id;
          continue;
        }
      }
      ms.push_back(std::move(*m));
    }
  }
  for (size_t i = 0; i < ms.size(); ++i) {
    std::string_view f = ms[i].file;
    if (f.empty() || f.front() == '[' || is_library(f)) continue;
    std::swap(ms[0], ms[i]);
    break;
  }
  if (ms.size() > 1 && ms[0].file.starts_with("/anon_hugepage") && ms[0].limit == ms[1].start)
    ms.erase(ms.begin());
  if (!ms.empty() && ms[0].start - ms[0].offset == 0x400000) {
    ms[0].start = 0x400000;
    ms[0].offset = 0;
  }
  return ms;
}

// The module of an address: the mapping holding it, else (pprof's workaround for split mappings) one whose
// unreported first part would hold it.
std::string_view module_of(std::vector<Mapping>& ms, uint64_t a) {
  if (a == 0) return {};
  for (const Mapping& m : ms)
    if (m.start <= a && a < m.limit) return m.file;
  for (Mapping& m : ms)
    if (m.offset != 0 && m.start - m.offset <= a && a < m.start) {
      m.start -= m.offset;
      m.offset = 0;
      return m.file;
    }
  return {};
}

}  // namespace lambdascope::formats::gperftools
