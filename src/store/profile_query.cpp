#include "store/profile_query.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace lambdascope::store {

bool ProfileQuery::matches(const ProfileKey& key) const {
  if (!function.empty() && key.function != function) return false;
  if (since_ms && key.start_ms < *since_ms) return false;
  if (until_ms && key.start_ms >= *until_ms) return false;
  if (!phase.empty() && key.phase != phase) return false;
  if (!profile_type.empty()) {
    // "heap.2": the second heap profile of one invocation.
    std::string_view type = std::string_view(key.profile_type).substr(0, key.profile_type.find('.'));
    if (type != (profile_type == "agent" ? std::string_view() : std::string_view(profile_type))) return false;
  }
  if (min_duration_ms && key.duration_ms < *min_duration_ms) return false;
  return true;
}

int64_t parse_time_flag(const std::string& text, int64_t now_ms) {
  auto bad = [&] {
    return std::invalid_argument("time '" + text +
                                 "': expected a duration back from now (90s, 30m, 1h, 2d), RFC 3339 "
                                 "(2025-11-21T08:00:00Z) or epoch milliseconds");
  };
  if (text.empty()) throw bad();
  int64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc() && number >= 0) {
    size_t used = static_cast<size_t>(end - text.data());
    if (used == text.size()) return number;  // epoch ms
    if (used + 1 == text.size()) {
      int64_t unit = 0;
      switch (text.back()) {
        case 's':
          unit = 1000;
          break;
        case 'm':
          unit = 60'000;
          break;
        case 'h':
          unit = 3'600'000;
          break;
        case 'd':
          unit = 86'400'000;
          break;
        default:
          break;
      }
      if (unit != 0) {
        // Beyond this the milliseconds do not fit in 64 bits (about 292 million years).
        if (number > std::numeric_limits<int64_t>::max() / unit) {
          throw std::invalid_argument("time '" + text + "': duration too large");
        }
        return now_ms - number * unit;
      }
    }
  }
  // RFC 3339: date 'T' time [.fraction] ('Z' | ±hh:mm)
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
      6) {
    throw bad();
  }
  using namespace std::chrono;
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) throw bad();
  int64_t ms = sys_days(ymd).time_since_epoch().count() * 86'400'000 + (h * 3600 + mi * 60 + s) * 1000LL;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      ms += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  std::string zone = text.substr(i);
  if (zone == "Z" || zone == "z") return ms;
  int zh = 0, zm = 0;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
      std::sscanf(zone.c_str() + 1, "%2d:%2d", &zh, &zm) == 2) {
    int64_t offset = (zh * 60 + zm) * 60'000LL;
    return zone[0] == '+' ? ms - offset : ms + offset;
  }
  throw bad();
}

}  // namespace lambdascope::store
