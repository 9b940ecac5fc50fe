#include "formats/pprof_metadata.hpp"

#include <array>
#include <charconv>

namespace lambdascope::formats::pprof {

namespace {

namespace attr = profile::attr;

constexpr std::array<std::string_view, 6> kBareKeys = {attr::kCommand,  attr::kEvent,      attr::kFrequencyHz,
                                                       attr::kHostname, attr::kCapturedOn, attr::kTimeClock};
constexpr std::string_view kPrefix = "lambdascope.";
constexpr std::string_view kStart = "start_ns";
constexpr std::string_view kEnd = "end_ns";

bool is_bare_key(std::string_view key) {
  for (std::string_view k : kBareKeys)
    if (k == key) return true;
  return false;
}

// Keys of the prefixed form must not contain ": " or a line break; escape '%', ':' and '\n' as %XX.
std::string escape_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '%' || c == ':' || c == '\n') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_key(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned v = 0;
    if (key[i] == '%' && i + 2 < key.size() &&
        std::from_chars(key.data() + i + 1, key.data() + i + 3, v, 16).ptr == key.data() + i + 3) {
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += key[i];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> metadata_comments(const profile::Metadata& meta) {
  std::vector<std::string> out;
  for (const auto& [key, value] : meta.attributes) {
    if (key == attr::kSourceFormat || key == kDropFrames || key == kKeepFrames || key == kDocUrl) continue;
    if (is_bare_key(key)) {
      out.push_back(key + ": " + value);
    } else {
      out.push_back(std::string(kPrefix) + escape_key(key) + ": " + value);
    }
  }
  if (meta.start_ns != profile::kNoTime)
    out.push_back(std::string(kStart) + ": " + std::to_string(meta.start_ns));
  if (meta.end_ns != profile::kNoTime) out.push_back(std::string(kEnd) + ": " + std::to_string(meta.end_ns));
  return out;
}

bool read_metadata_comment(std::string_view comment, profile::Metadata& meta) {
  size_t colon = comment.find(": ");
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view key = comment.substr(0, colon);
  std::string_view value = comment.substr(colon + 2);
  if (key.starts_with(kPrefix) && key.size() > kPrefix.size()) {
    meta.set_attribute(unescape_key(key.substr(kPrefix.size())), std::string(value));
    return true;
  }
  if (is_bare_key(key)) {
    meta.set_attribute(key, std::string(value));
    return true;
  }
  if (key == kStart || key == kEnd) {
    int64_t t = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
    if (ec != std::errc() || end != value.data() + value.size() || t == profile::kNoTime) return false;
    (key == kStart ? meta.start_ns : meta.end_ns) = t;
    return true;
  }
  return false;
}

}  // namespace lambdascope::formats::pprof
