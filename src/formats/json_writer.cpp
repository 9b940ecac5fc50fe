#include "formats/json_writer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <stdexcept>

namespace lambdascope::formats {

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
