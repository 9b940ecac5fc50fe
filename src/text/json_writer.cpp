#include "text/json_writer.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <iterator>
#include <stdexcept>

#include "text/utf8.hpp"

namespace lambdascope::text {

namespace {

// Bytes that end a run copied as is: controls, '"', '\\', non-ASCII and, for script-safe text, '<'.
constexpr std::array<bool, 256> stop_bytes(bool script_safe) {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || (script_safe && c == '<');
  return t;
}
constexpr std::array<bool, 256> kPlainStops = stop_bytes(false);
constexpr std::array<bool, 256> kScriptStops = stop_bytes(true);

void append_escaped_ascii(std::string& out, unsigned char c, bool script_safe) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      if (!script_safe) {
        out += "\\b";
        return;
      }
      break;
    case '\f':
      if (!script_safe) {
        out += "\\f";
        return;
      }
      break;
    default:
      break;
  }
  out += "\\u00";  // other control characters and '<'
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

}  // namespace

void append_json_string(std::string& out, std::string_view s, JsonStrings style) {
  bool script_safe = style == JsonStrings::kScriptSafe;
  const std::array<bool, 256>& stops = script_safe ? kScriptStops : kPlainStops;
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one append.
    size_t run = i;
    while (run < s.size() && !stops[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      append_escaped_ascii(out, c, script_safe);
      ++i;
      continue;
    }
    size_t n = utf8_multibyte_length(s, i);
    if (n > 0) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    out += script_safe ? std::string_view("\\ufffd") : kReplacement;
    ++i;
  }
  out += '"';
}

std::string json_quote(std::string_view s, JsonStrings style) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_string(out, s, style);
  return out;
}

void append_json_number(std::string& out, double v, JsonNumbers style) {
  if (!std::isfinite(v)) throw std::invalid_argument("JSON has no NaN or infinity");
  if (style == JsonNumbers::kInt64Integers) {
    if (std::trunc(v) == v && std::fabs(v) < 9.2e18) {
      fmt::format_to(std::back_inserter(out), "{}", static_cast<int64_t>(v));
    } else {
      fmt::format_to(std::back_inserter(out), "{}", v);
    }
    return;
  }
  char buf[32];
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) <= kExactIntegers) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
  }
  out.append(buf, r.ptr);
}

void JsonWriter::key(std::string_view k) {
  separate();
  append_json_string(out_, k, style_.strings);
  out_ += ':';
  after_key_ = true;
}

void JsonWriter::integer(int64_t v) {
  separate();
  append_integer(v);
}

void JsonWriter::append_integer(int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void JsonWriter::open(char c) {
  separate();
  out_ += c;
  has_member_.push_back(false);
}

void JsonWriter::close(char c) {
  if (has_member_.empty()) throw std::logic_error("JsonWriter: close without open");
  out_ += c;
  has_member_.pop_back();
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_member_.empty()) return;
  if (has_member_.back()) out_ += ',';
  has_member_.back() = true;
}

}  // namespace lambdascope::text
