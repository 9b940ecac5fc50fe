#include "formats/line_reader.hpp"

#include <cstring>

#include "formats/parse_error.hpp"

namespace lambdascope::formats {

bool LineReader::next(std::string_view& line) {
  for (;;) {
    const char* start = buf_.data() + pos_;
    size_t avail = buf_.size() - pos_;
    if (const void* nl = std::memchr(start, '\n', avail)) {
      size_t len = static_cast<const char*>(nl) - start;
      line = std::string_view(start, len);
      pos_ += len + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ++line_number_;
      return true;
    }
    if (eof_) {
      if (avail == 0) return false;
      line = std::string_view(start, avail);
      pos_ = buf_.size();
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      unterminated_ = true;
      ++line_number_;
      return true;
    }
    // Keep the partial line, read the next block after it. A "line" this long is not text we can read.
    if (avail > kMaxLineBytes)
      throw ParseError::at_line(
          in_.name(), line_number_ + 1,
          "line longer than " + std::to_string(kMaxLineBytes >> 20) + " MiB: expected line-oriented text");
    buf_.erase(0, pos_);
    pos_ = 0;
    size_t old = buf_.size();
    buf_.resize(old + block_size_);
    size_t got = in_.read(buf_.data() + old, block_size_);
    buf_.resize(old + got);
    if (got == 0) eof_ = true;
  }
}

}  // namespace lambdascope::formats
