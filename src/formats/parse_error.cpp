#include "formats/parse_error.hpp"

#include <cstdio>

namespace lambdascope::formats {

ParseError ParseError::at_line(const std::string& file, uint64_t line, const std::string& message) {
  return ParseError(file + ":" + std::to_string(line) + ": " + message, line, 0);
}

ParseError ParseError::at_byte(const std::string& file, uint64_t byte_offset, const std::string& message) {
  return ParseError(file + ": byte " + std::to_string(byte_offset) + ": " + message, 0, byte_offset);
}

ParseError ParseError::whole(const std::string& file, const std::string& message) {
  return ParseError(file + ": " + message, 0, 0);
}

std::string quote_excerpt(const char* data, size_t size, size_t max) {
  std::string out = "\"";
  for (size_t i = 0; i < size && i < max; ++i) {
    auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (size > max) out += "...";
  return out + "\"";
}

}  // namespace lambdascope::formats
