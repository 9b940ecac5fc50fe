// Writing JSON: string literals, numbers and a streaming writer that places commas and colons. Strings are
// untrusted bytes (frame names, file paths, URLs, a process's log lines): invalid UTF-8 becomes U+FFFD (see
// utf8.hpp), so every output is valid JSON that strict parsers accept. Appends to a string; no I/O, no
// parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambdascope::text {

enum class JsonStrings {
  kPlain,       // \b \f \n \r \t short, other controls \u00XX, U+FFFD as its UTF-8 bytes
  kScriptSafe,  // also '<' as \u003c, so the text can sit in an HTML <script> without closing it; only \n \r
                // \t short; U+FFFD as the ASCII escape \ufffd
};
enum class JsonNumbers {
  kInt64Integers,  // integral values within int64 print as integers, others in fmt's shortest form
  kExactIntegers,  // integral values up to 2^53 print as integers, others in the shortest form that reads
                   // back
};
struct JsonStyle {
  JsonStrings strings = JsonStrings::kPlain;
  JsonNumbers numbers = JsonNumbers::kInt64Integers;
};
// What the page payload embedded in HTML uses.
inline constexpr JsonStyle kScriptJson{JsonStrings::kScriptSafe, JsonNumbers::kExactIntegers};

// Appends `s` as a JSON string literal (with the quotes).
void append_json_string(std::string& out, std::string_view s, JsonStrings style = JsonStrings::kPlain);
std::string json_quote(std::string_view s, JsonStrings style = JsonStrings::kPlain);
// Appends a finite number; JSON has no NaN or infinity, those throw std::invalid_argument.
void append_json_number(std::string& out, double v, JsonNumbers style = JsonNumbers::kInt64Integers);

// A streaming writer: begin_*/end_* nest, key() precedes a member's value.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, JsonStyle style = {}) : out_(out), style_(style) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k);
  void string(std::string_view s) {
    separate();
    append_json_string(out_, s, style_.strings);
  }
  void number(double v) {
    separate();
    append_json_number(out_, v, style_.numbers);
  }
  void integer(int64_t v);
  void boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
  }
  void null() {
    separate();
    out_ += "null";
  }
  // A value already encoded as JSON by the caller (e.g. a fragment reused many times).
  void raw_value(std::string_view json) {
    separate();
    out_ += json;
  }
  // A 64-bit integer that may not fit a double exactly, as a decimal string (the payload's nanosecond times).
  void decimal_string(int64_t v) { string(std::to_string(v)); }

  // Arrays of numbers, the bulk of a payload, without per-element bookkeeping.
  template <class Range>
  void integer_array(const Range& values) {
    begin_array();
    bool first = true;
    for (auto v : values) {
      if (!first) out_ += ',';
      first = false;
      append_integer(static_cast<int64_t>(v));
    }
    close(']');
  }
  template <class Range>
  void number_array(const Range& values) {
    begin_array();
    bool first = true;
    for (auto v : values) {
      if (!first) out_ += ',';
      first = false;
      append_json_number(out_, static_cast<double>(v), style_.numbers);
    }
    close(']');
  }

 private:
  void open(char c);
  void close(char c);
  void separate();
  void append_integer(int64_t v);

  std::string& out_;
  JsonStyle style_;
  std::vector<bool> has_member_;  // per open container: something was written, so the next needs a comma
  bool after_key_ = false;
};

}  // namespace lambdascope::text
