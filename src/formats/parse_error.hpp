// The one error type readers and writers throw: it names the input, where in it (line or byte offset) and
// what was expected, in one line. The CLI prints what() and exits 2.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace lambdascope::formats {

class ParseError : public std::runtime_error {
 public:
  // line: 1-based, 0 when the format has no lines; byte_offset: from the start of the (decompressed) input.
  static ParseError at_line(const std::string& file, uint64_t line, const std::string& message);
  static ParseError at_byte(const std::string& file, uint64_t byte_offset, const std::string& message);
  static ParseError whole(const std::string& file, const std::string& message);

  uint64_t line() const { return line_; }
  uint64_t byte_offset() const { return byte_offset_; }

 private:
  ParseError(const std::string& what, uint64_t line, uint64_t byte_offset)
      : std::runtime_error(what), line_(line), byte_offset_(byte_offset) {}
  uint64_t line_ = 0;
  uint64_t byte_offset_ = 0;
};

// Shortens untrusted input for an error message: at most `max` bytes, control bytes shown as \xNN.
std::string quote_excerpt(const char* data, size_t size, size_t max = 60);

}  // namespace lambdascope::formats
