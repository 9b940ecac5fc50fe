// Reads an InputSource line by line in large blocks, without a copy per line. Lines are handed out without
// their
// "\n" (and without a trailing "\r"), with their 1-based number, for readers of line-oriented text formats.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "formats/input_source.hpp"

namespace lambdascope::formats {

class LineReader {
 public:
  explicit LineReader(InputSource& in, size_t block_size = 1 << 20) : in_(in), block_size_(block_size) {}

  // False at the end of input. `line` stays valid until the next call.
  bool next(std::string_view& line);
  uint64_t line_number() const { return line_number_; }
  // True when the last line returned was not terminated by "\n" (the input ended inside it).
  bool last_line_unterminated() const { return unterminated_; }

  static constexpr size_t kMaxLineBytes = size_t{64} << 20;

 private:
  InputSource& in_;
  size_t block_size_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool unterminated_ = false;
  uint64_t line_number_ = 0;
};

}  // namespace lambdascope::formats
