#include "formats/json_input.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "formats/parse_error.hpp"

namespace lambdascope::formats {

namespace {

std::string_view type_phrase(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "an unknown value";
}

// simdjson's messages are long and generic; say what the input looks like.
std::string_view syntax_message(simdjson::error_code e) {
  switch (e) {
    case simdjson::EMPTY:
      return "no JSON in the input";
    case simdjson::UNCLOSED_STRING:
      return "a string is never closed";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "the input ends inside an object or array, or has content after the top-level value";
    case simdjson::UTF8_ERROR:
      return "the input is not valid UTF-8";
    case simdjson::DEPTH_ERROR:
      return "objects and arrays are nested too deeply";
    case simdjson::UNESCAPED_CHARS:
      return "a string contains an unescaped control character";
    case simdjson::STRING_ERROR:
      return "a string has an invalid escape";
    case simdjson::NUMBER_ERROR:
      return "a number is malformed or out of range";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "a value is not true, false, null, a number, a string, an array or an object";
    case simdjson::CAPACITY:
      return "the input is too large for the JSON parser (4 GiB at most)";
    case simdjson::MEMALLOC:
      return "out of memory while parsing JSON";
    default:
      return "the JSON structure is broken (a missing or extra comma, colon, brace or bracket)";
  }
}

}  // namespace

std::string JsonPath::full() const {
  std::string parent = parent_ ? parent_->full() : std::string();
  if (index_ != kKey) return parent + "[" + std::to_string(index_) + "]";
  if (text_.empty()) return parent;
  // Keys come from the input: keep the message on one line.
  std::string key;
  for (char c : text_) {
    auto u = static_cast<unsigned char>(c);
    key += u < 0x20 || u == 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return parent.empty() ? key : parent + "." + key;
}

std::string JsonPath::str() const {
  // Deep paths (a call tree hundreds of levels down) keep their two ends, which say where it is.
  constexpr size_t kHead = 60, kTail = 100;
  std::string s = full();
  if (s.size() <= kHead + kTail + 20) return s;
  return s.substr(0, kHead) + "..." + s.substr(s.size() - kTail);
}

JsonDocument::JsonDocument(InputSource& in) : file_(in.name()), data_(in.read_all()) {
  start();
}

JsonDocument::JsonDocument(std::string file, std::string bytes)
    : file_(std::move(file)), data_(std::move(bytes)) {
  start();
}

void JsonDocument::start() {
  if (data_.size() >= 3 && data_.compare(0, 3, "\xEF\xBB\xBF") == 0) begin_ = 3;
  data_.reserve(data_.size() + simdjson::SIMDJSON_PADDING);
  simdjson::padded_string_view view(data_.data() + begin_, data_.size() - begin_, data_.capacity() - begin_);
  // Room for our nesting limit plus the document level, so simdjson's own depth bookkeeping never runs out
  // before check_structure() says "too deep".
  if (auto e = parser_.allocate(view.length(), kMaxDepth + 8))
    throw ParseError::at_byte(file_, 0, "invalid JSON: " + std::string(syntax_message(e)));
  if (auto e = parser_.iterate(view).get(doc_)) {
    // Stage one failed: the location is not known more precisely than "somewhere in the input".
    throw ParseError::at_byte(file_, data_.size(), "invalid JSON: " + std::string(syntax_message(e)));
  }
}

od::value JsonDocument::root() {
  od::json_type t;
  if (auto e = doc_.type().get(t)) syntax_error(e, root_path_);
  if (t != od::json_type::object && t != od::json_type::array)
    fail(begin_, root_path_,
         "expected a JSON object or array at the top level, got " + std::string(type_phrase(t)));
  od::value v;
  if (auto e = doc_.get_value().get(v)) syntax_error(e, root_path_);
  // On Demand checks only what it is asked for, and its unordered member lookups assume the objects they go
  // back over are well formed. So walk the whole structure once first; only valid JSON reaches the readers.
  check_structure(v, root_path_, 1);
  const char* after = nullptr;
  if (!doc_.current_location().get(after))
    fail(offset_of(after), root_path_, "unexpected content after the top-level JSON value");
  doc_.rewind();
  if (auto e = doc_.get_value().get(v)) syntax_error(e, root_path_);
  return v;
}

void JsonDocument::check_structure(od::value v, const JsonPath& path, size_t depth) {
  od::json_type t;
  if (auto e = v.type().get(t)) syntax_error(e, path);
  // On Demand itself does not limit nesting; this walk (and the readers' few recursive ones) would run out
  // of stack on "[[[[..." instead.
  if (depth > kMaxDepth && (t == od::json_type::object || t == od::json_type::array))
    fail_at(v, path, "objects and arrays are nested more than " + std::to_string(kMaxDepth) + " deep");
  if (t == od::json_type::object) {
    od::object obj;
    if (auto e = v.get_object().get(obj)) syntax_error(e, path);
    for (auto field : obj) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) syntax_error(e, path);
      od::value member;
      if (auto e = field.value().get(member)) syntax_error(e, path);
      check_structure(member, JsonPath(path, key), depth + 1);
    }
  } else if (t == od::json_type::array) {
    od::array arr;
    if (auto e = v.get_array().get(arr)) syntax_error(e, path);
    size_t i = 0;
    for (auto element : arr) {
      od::value item;
      if (auto e = element.get(item)) syntax_error(e, JsonPath(path, i));
      check_structure(item, JsonPath(path, i), depth + 1);
      ++i;
    }
  }
  // Scalars are left for the readers: skipped as one token either way, and checked where they are read.
}

std::string_view JsonDocument::string(od::value v, const JsonPath& path) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) {
    if (e == simdjson::INCORRECT_TYPE) fail_type(v, path, "a string");
    syntax_error(e, path);
  }
  return s;
}

int64_t JsonDocument::integer(od::value v, const JsonPath& path) {
  int64_t i;
  auto e = v.get_int64().get(i);
  if (!e) return i;
  od::json_type t;
  if (v.type().get(t) || t != od::json_type::number) fail_type(v, path, "an integer");
  double d;
  // 2^63 is exactly representable; everything below it in magnitude converts without overflow.
  if (!v.get_double().get(d) && std::trunc(d) == d && std::fabs(d) < 9223372036854775808.0)
    return static_cast<int64_t>(d);
  fail_at(v, path, "expected an integer, got " + excerpt_of(v));
}

double JsonDocument::number(od::value v, const JsonPath& path) {
  double d;
  auto e = v.get_double().get(d);
  if (!e && std::isfinite(d)) return d;
  od::json_type t;
  if (v.type().get(t) || t != od::json_type::number) fail_type(v, path, "a number");
  fail_at(v, path, "expected a finite number, got " + excerpt_of(v));
}

bool JsonDocument::boolean(od::value v, const JsonPath& path) {
  bool b;
  if (auto e = v.get_bool().get(b)) {
    if (e == simdjson::INCORRECT_TYPE) fail_type(v, path, "true or false");
    syntax_error(e, path);
  }
  return b;
}

od::object JsonDocument::object(od::value v, const JsonPath& path) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) {
    if (e == simdjson::INCORRECT_TYPE) fail_type(v, path, "an object");
    syntax_error(e, path);
  }
  return obj;
}

od::array JsonDocument::array(od::value v, const JsonPath& path) {
  od::array arr;
  if (auto e = v.get_array().get(arr)) {
    if (e == simdjson::INCORRECT_TYPE) fail_type(v, path, "an array");
    syntax_error(e, path);
  }
  return arr;
}

bool JsonDocument::is_null(od::value& v) {
  bool null = false;
  return !v.is_null().get(null) && null;
}

bool JsonDocument::find(od::object& obj, std::string_view key, const JsonPath& path, od::value* out) {
  auto e = obj.find_field_unordered(key).get(*out);
  if (e == simdjson::NO_SUCH_FIELD) return false;
  if (e) syntax_error(e, path);
  return true;
}

uint64_t JsonDocument::offset_of(od::value& v) const {
  return offset_of(v.raw_json_token().data());
}

std::string JsonDocument::excerpt_of(od::value& v) const {
  std::string_view token = v.raw_json_token();
  while (!token.empty() &&
         (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t'))
    token.remove_suffix(1);
  // The JSON text as it is (strings keep their quotes), shortened, control bytes made visible.
  constexpr size_t kMax = 40;
  std::string out;
  for (size_t i = 0; i < token.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(token[i]);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (token.size() > kMax) out += "...";
  return out;
}

void JsonDocument::fail(uint64_t offset, const JsonPath& path, std::string_view message) const {
  std::string where = path.str();
  throw ParseError::at_byte(file_, offset,
                            where.empty() ? std::string(message) : where + ": " + std::string(message));
}

void JsonDocument::fail_type(od::value& v, const JsonPath& path, std::string_view what) {
  od::json_type t;
  std::string got = v.type().get(t) ? "invalid JSON " + excerpt_of(v) : std::string(type_phrase(t));
  fail_at(v, path, "expected " + std::string(what) + ", got " + got);
}

void JsonDocument::syntax_error(simdjson::error_code e, const JsonPath& path) {
  const char* p = nullptr;
  uint64_t offset = doc_.current_location().get(p) ? data_.size() : offset_of(p);
  if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) offset = data_.size();
  fail(offset, path, "invalid JSON: " + std::string(syntax_message(e)));
}

}  // namespace lambdascope::formats
