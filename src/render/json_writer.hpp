// JSON text out, for the page payload. Strings are untrusted bytes (frame names, file paths): invalid UTF-8
// becomes U+FFFD so the output always parses, and '<' is written as \u003c so the text can sit inside an HTML
// <script> element without ever closing it. Numbers that are integers print exactly. Appends to a string; no
// I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambdascope::render {

// Appends `s` as a JSON string literal (with the quotes).
void append_json_string(std::string& out, std::string_view s);
// Appends a number: integers (up to 2^53) without a fraction, others in the shortest form that reads back
// exactly. JSON has no NaN or infinity; those throw std::invalid_argument.
void append_json_number(std::string& out, double v);

// A streaming writer that places the commas: begin_*/end_* nest, key() precedes a member's value.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k);
  void string(std::string_view s) {
    separate();
    append_json_string(out_, s);
  }
  void number(double v) {
    separate();
    append_json_number(out_, v);
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
      append_json_number(out_, static_cast<double>(v));
    }
    close(']');
  }

 private:
  void open(char c);
  void close(char c);
  void separate();
  void append_integer(int64_t v);

  std::string& out_;
  std::vector<bool> has_member_;  // per open container: something was written, so the next needs a comma
  bool after_key_ = false;
};

}  // namespace lambdascope::render
