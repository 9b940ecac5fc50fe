// JSON for the emulator's API bodies and telemetry events and the extension's requests: a small object
// builder over the text layer's JSON strings (text/json_writer.hpp). Parsing is simdjson's job; nothing here
// parses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/json_writer.hpp"

namespace lambdascope::lambda {

// `s` as a JSON string literal, quotes included. Control characters are escaped; bytes that are not valid
// UTF-8 become U+FFFD, so whatever a process prints (log lines go into telemetry) still makes valid JSON.
using text::json_quote;

// Appends `"key":value` members in order; values are already-serialized JSON unless the method says
// otherwise. Used for every body the emulator writes, so field order is stable and matches AWS's examples.
class JsonObject {
 public:
  JsonObject& str(std::string_view key, std::string_view value);
  JsonObject& num(std::string_view key, int64_t value);
  JsonObject& num(std::string_view key, uint64_t value);
  JsonObject& num(std::string_view key, int value) { return num(key, static_cast<int64_t>(value)); }
  // Milliseconds the way Lambda's telemetry prints them: microsecond precision, no trailing zeros.
  JsonObject& ms(std::string_view key, double value);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& raw(std::string_view key, std::string_view json);
  JsonObject& str_array(std::string_view key, const std::vector<std::string>& values);
  std::string done() const { return body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_ = "{";
};

// A JSON array of already-serialized elements.
std::string json_array(const std::vector<std::string>& elements);

// {"errorMessage":...,"errorType":...}: the error body every AWS Lambda API uses (field order as Go's
// encoding/json writes rapid's ErrorResponse).
std::string error_body(std::string_view error_type, std::string_view message);

// Whether `text` is one complete JSON value (used to decide how to embed a function's response).
bool is_json(std::string_view text);

}  // namespace lambdascope::lambda
