// Writing JSON: a small streaming writer that places commas and colons, escapes strings with simdjson's
// formatter and prints numbers in fmt's shortest round-trip form. Strings are untrusted (symbol names from
// perf, URLs from V8): invalid UTF-8 is replaced by U+FFFD, so every output is valid JSON that strict
// parsers (ours, browsers') accept.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "profile/utf8.hpp"

namespace lambdascope::formats {

class JsonWriter {
 public:
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  void key(std::string_view k);
  void string(std::string_view s);
  void integer(int64_t v);
  void number(double v);  // finite; integral values print without a fraction ("5", not "5.0")
  // A value already encoded as JSON by the caller (e.g. a fragment reused many times).
  void raw_value(std::string_view json);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void open(char c);
  void close(char c);
  void before_value();
  void append_escaped(std::string_view s);

  std::string out_;
  std::vector<bool> has_items_;  // per open object or array
  bool after_key_ = false;
  simdjson::internal::mini_formatter escaper_;
};

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
using profile::valid_utf8;

}  // namespace lambdascope::formats
