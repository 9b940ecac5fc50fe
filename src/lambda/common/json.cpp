#include "lambda/common/json.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>

namespace lambdascope::lambda {

void JsonObject::key(std::string_view k) {
  if (body_.size() > 1) body_.push_back(',');
  text::append_json_string(body_, k);
  body_.push_back(':');
}

JsonObject& JsonObject::str(std::string_view k, std::string_view value) {
  key(k);
  text::append_json_string(body_, value);
  return *this;
}

JsonObject& JsonObject::num(std::string_view k, int64_t value) {
  key(k);
  body_ += fmt::format("{}", value);
  return *this;
}

JsonObject& JsonObject::num(std::string_view k, uint64_t value) {
  key(k);
  body_ += fmt::format("{}", value);
  return *this;
}

JsonObject& JsonObject::ms(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value) || value < 0) value = 0;
  // rapid computes durations as whole microseconds / 1000; print the same precision without noise.
  std::string text = fmt::format("{:.3f}", std::round(value * 1000.0) / 1000.0);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text += '0';
  body_ += text;
  return *this;
}

JsonObject& JsonObject::boolean(std::string_view k, bool value) {
  key(k);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::raw(std::string_view k, std::string_view json) {
  key(k);
  body_ += json;
  return *this;
}

JsonObject& JsonObject::str_array(std::string_view k, const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const auto& v : values) quoted.push_back(json_quote(v));
  return raw(k, json_array(quoted));
}

std::string json_array(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i) out.push_back(',');
    out += elements[i];
  }
  out.push_back(']');
  return out;
}

std::string error_body(std::string_view error_type, std::string_view message) {
  return JsonObject().str("errorMessage", message).str("errorType", error_type).done();
}

bool is_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  return !parser.parse(padded).error();
}

}  // namespace lambdascope::lambda
