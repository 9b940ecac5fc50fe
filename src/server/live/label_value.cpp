#include "server/live/label_value.hpp"

#include "text/utf8.hpp"

namespace lambdascope::live {

namespace {

// The largest n <= max_bytes such that s[0, n) ends on a character boundary (`s` is valid UTF-8).
size_t boundary_before(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

std::string cut_label(std::string_view s, size_t max_bytes) {
  std::string valid = text::valid_utf8(s);
  valid.resize(boundary_before(valid, max_bytes));
  return valid;
}

std::string cut_stack_label(std::string_view s, size_t max_bytes) {
  std::string valid = text::valid_utf8(s);
  if (valid.size() <= max_bytes) return valid;
  static constexpr std::string_view kElided = "...;";
  size_t keep = max_bytes - kElided.size();
  size_t start = valid.size() - keep;
  while (start < valid.size() && (static_cast<unsigned char>(valid[start]) & 0xC0) == 0x80) ++start;
  // Prefer starting at a whole frame when one fits in what is kept.
  size_t semi = valid.find(';', start);
  if (semi != std::string::npos && semi + 1 < valid.size()) start = semi + 1;
  return std::string(kElided) + valid.substr(start);
}

void append_escaped_label(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace lambdascope::live
