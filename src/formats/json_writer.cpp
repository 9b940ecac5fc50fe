#include "formats/json_writer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <stdexcept>

namespace lambdascope::formats {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode table 3-7), or 0 when there is none.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;  // no overlong forms
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;  // no overlong forms
    if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

void JsonWriter::open(char c) {
  before_value();
  out_ += c;
  has_items_.push_back(false);
}

void JsonWriter::close(char c) {
  if (has_items_.empty()) throw std::logic_error("JsonWriter: close without open");
  has_items_.pop_back();
  out_ += c;
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) out_ += ',';
    has_items_.back() = true;
  }
}

void JsonWriter::append_escaped(std::string_view s) {
  escaper_.clear();
  if (simdjson::validate_utf8(s.data(), s.size())) {
    escaper_.string(s);
  } else {
    escaper_.string(valid_utf8(s));
  }
  out_ += escaper_.str();
}

void JsonWriter::key(std::string_view k) {
  before_value();
  append_escaped(k);
  out_ += ':';
  after_key_ = true;
}

void JsonWriter::string(std::string_view s) {
  before_value();
  append_escaped(s);
}

void JsonWriter::integer(int64_t v) {
  before_value();
  fmt::format_to(std::back_inserter(out_), "{}", v);
}

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) throw std::invalid_argument("JsonWriter: JSON has no NaN or infinity");
  before_value();
  // Integral values within int64 print as integers: shorter, and what people expect of counts.
  if (std::trunc(v) == v && std::fabs(v) < 9.2e18) {
    fmt::format_to(std::back_inserter(out_), "{}", static_cast<int64_t>(v));
  } else {
    fmt::format_to(std::back_inserter(out_), "{}", v);
  }
}

void JsonWriter::raw_value(std::string_view json) {
  before_value();
  out_ += json;
}

}  // namespace lambdascope::formats
