// Reading the JSON formats (V8 .cpuprofile, Chrome traces, speedscope): simdjson On Demand over the whole
// input, with every failure turned into one ParseError that names the file, the byte offset, the JSON path
// ("nodes[3].callFrame.url") and what was expected ("expected a string, got a number"). Readers walk the
// document only through JsonDocument, so no simdjson error code escapes unexplained. No I/O beyond reading
// the InputSource once.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "formats/input_source.hpp"

namespace lambdascope::formats {

namespace od = simdjson::ondemand;

// The path from the document root to a value, linked through the callers' stack frames so that descending
// costs nothing; the text is built only when an error needs it.
class JsonPath {
 public:
  // The root; `text` names it when the document is part of a larger one (empty for a whole file).
  explicit JsonPath(std::string_view text = {}) : text_(text) {}
  JsonPath(const JsonPath& parent, std::string_view key) : parent_(&parent), text_(key) {}
  JsonPath(const JsonPath& parent, size_t index) : parent_(&parent), index_(index) {}

  // "nodes[3].callFrame.url"; empty for the root of a whole file. Very deep paths are shortened in the
  // middle.
  std::string str() const;

 private:
  std::string full() const;

  static constexpr size_t kKey = SIZE_MAX;
  const JsonPath* parent_ = nullptr;
  std::string_view text_;
  size_t index_ = kKey;
};

class JsonDocument {
 public:
  // Deepest nesting of objects and arrays accepted (simdjson's DOM limit too). The old V8 tree form nests two
  // levels per call, so its stacks can be about 500 frames deep.
  static constexpr size_t kMaxDepth = 1024;

  // Reads all of `in` (gzip is already undone by InputSource) and starts iterating it. A UTF-8 byte order
  // mark is skipped; offsets in errors still count from the first byte of the input.
  explicit JsonDocument(InputSource& in);
  // For callers that adjust the bytes first (e.g. close a Chrome trace array that was cut off).
  JsonDocument(std::string file, std::string bytes);
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  const std::string& file() const { return file_; }

  // The top-level value, an object or an array; call once. Fails when it is neither, or when anything but
  // whitespace follows it.
  od::value root();
  const JsonPath& root_path() const { return root_path_; }

  // Typed access. Each throws ParseError naming `path` on a type mismatch or a syntax error.
  std::string_view string(od::value v, const JsonPath& path);
  int64_t integer(od::value v, const JsonPath& path);  // also accepts integral numbers like 3.0
  double number(od::value v, const JsonPath& path);    // finite
  bool boolean(od::value v, const JsonPath& path);
  od::object object(od::value v, const JsonPath& path);
  od::array array(od::value v, const JsonPath& path);
  static bool is_null(od::value& v);

  // Finds member `key` of `obj` wherever it is in the object; false when absent.
  bool find(od::object& obj, std::string_view key, const JsonPath& path, od::value* out);

  // Calls fn(std::string_view key, od::value value, const JsonPath& member_path) for each member.
  template <class Fn>
  void for_each_field(od::object obj, const JsonPath& path, Fn&& fn) {
    for (auto field : obj) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) syntax_error(e, path);
      od::value v;
      if (auto e = field.value().get(v)) syntax_error(e, path);
      JsonPath member(path, key);
      fn(key, v, member);
    }
  }
  // Calls fn(size_t index, od::value value, const JsonPath& element_path) for each element.
  template <class Fn>
  void for_each_element(od::array arr, const JsonPath& path, Fn&& fn) {
    size_t i = 0;
    for (auto element : arr) {
      od::value v;
      if (auto e = element.get(v)) syntax_error(e, JsonPath(path, i));
      JsonPath item(path, i);
      fn(i, v, item);
      ++i;
    }
  }

  // Byte offset of `v` from the start of the input.
  uint64_t offset_of(od::value& v) const;
  // An excerpt of the JSON text of `v`, for messages ("got \"abc\"").
  std::string excerpt_of(od::value& v) const;
  [[noreturn]] void fail(uint64_t offset, const JsonPath& path, std::string_view message) const;
  [[noreturn]] void fail_at(od::value& v, const JsonPath& path, std::string_view message) const {
    fail(offset_of(v), path, message);
  }
  // "expected <what>, got a number" at `v`.
  [[noreturn]] void fail_type(od::value& v, const JsonPath& path, std::string_view what);
  [[noreturn]] void syntax_error(simdjson::error_code e, const JsonPath& path);

 private:
  void start();
  void check_structure(od::value v, const JsonPath& path, size_t depth);
  uint64_t offset_of(const char* p) const { return static_cast<uint64_t>(p - data_.data()); }

  std::string file_;
  std::string data_;  // capacity padded for simdjson
  size_t begin_ = 0;  // first byte after a byte order mark
  od::parser parser_;
  od::document doc_;
  JsonPath root_path_;
};

}  // namespace lambdascope::formats
