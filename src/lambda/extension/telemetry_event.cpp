#include "lambda/extension/telemetry_event.hpp"

#include <simdjson.h>

#include <cctype>

namespace lambdascope::lambda::extension {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t at, size_t n, int64_t* out) {
  if (at + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<double> number(simdjson::dom::object obj, const char* key) {
  simdjson::dom::element e;
  if (obj[key].get(e)) return std::nullopt;
  double d;
  if (!e.get(d)) return d;
  int64_t i;
  if (!e.get(i)) return static_cast<double>(i);
  uint64_t u;
  if (!e.get(u)) return static_cast<double>(u);
  return std::nullopt;
}

std::string string_field(simdjson::dom::object obj, const char* key) {
  std::string_view v;
  if (obj[key].get(v)) return {};
  return std::string(v);
}

}  // namespace

std::optional<int64_t> parse_iso8601_ns(std::string_view s) {
  int64_t y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
      !digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, &h) ||
      s[13] != ':' || !digits(s, 14, 2, &mi) || s[16] != ':' || !digits(s, 17, 2, &sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t at = 19;
  int64_t frac_ns = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    int64_t scale = 100000000;
    size_t start = at;
    while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) {
      frac_ns += (s[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int64_t oh, om;
    if (!digits(s, at + 1, 2, &oh) || at + 3 >= s.size() || s[at + 3] != ':' || !digits(s, at + 4, 2, &om))
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[at] == '+' ? 1 : -1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t seconds = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return seconds * 1000000000 + frac_ns;
}

TelemetryBatch parse_telemetry(std::string_view body) {
  TelemetryBatch batch;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::array array;
  if (auto err = parser.parse(padded).get(array)) {
    batch.error = std::string("not a JSON array of events (") + simdjson::error_message(err) + ")";
    return batch;
  }
  for (simdjson::dom::element item : array) {
    simdjson::dom::object obj;
    std::string_view type, time;
    if (item.get(obj) || obj["type"].get(type) || obj["time"].get(time)) {
      ++batch.skipped;
      continue;
    }
    if (type.rfind("platform.", 0) != 0) continue;  // function / extension log lines
    TelemetryEvent e;
    e.type = std::string(type);
    auto t = parse_iso8601_ns(time);
    simdjson::dom::object record;
    if (!t || obj["record"].get(record)) {
      ++batch.skipped;
      continue;
    }
    e.time_ns = *t;
    e.request_id = string_field(record, "requestId");
    e.status = string_field(record, "status");
    e.error_type = string_field(record, "errorType");
    e.phase = string_field(record, "phase");
    e.initialization_type = string_field(record, "initializationType");
    simdjson::dom::object metrics;
    if (!record["metrics"].get(metrics)) {
      e.duration_ms = number(metrics, "durationMs");
      e.billed_duration_ms = number(metrics, "billedDurationMs");
      e.memory_size_mb = number(metrics, "memorySizeMB");
      e.max_memory_used_mb = number(metrics, "maxMemoryUsedMB");
      e.init_duration_ms = number(metrics, "initDurationMs");
    }
    batch.events.push_back(std::move(e));
  }
  return batch;
}

}  // namespace lambdascope::lambda::extension
