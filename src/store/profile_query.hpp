// Which stored profiles a `pull` or `merge` wants, decided from the object key alone (function, start
// time, phase, duration), so a listing selects and nothing excluded is downloaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/object_key.hpp"

namespace lambdascope::store {

struct ProfileQuery {
  std::string function;             // empty: every function under the prefix
  std::optional<int64_t> since_ms;  // start time >= since
  std::optional<int64_t> until_ms;  // start time < until
  std::string phase;                // "init", "invoke" or empty
  // empty: all; "agent": the extension's own (no type in the key); else the inbox's type ("cpu", "heap", ...)
  std::string profile_type;
  std::optional<int64_t> min_duration_ms;
  std::optional<size_t> slowest;  // keep the N longest (after the other filters)

  // Everything but `slowest`, which needs the whole listing.
  bool matches(const ProfileKey& key) const;
};

// A time flag's value: a duration back from now ("90s", "30m", "1h", "2d"), RFC 3339
// ("2025-11-21T08:00:00Z", "2025-11-21T09:00:00.5+01:00") or Unix epoch milliseconds. Throws
// std::invalid_argument quoting the text and the accepted forms.
int64_t parse_time_flag(const std::string& text, int64_t now_ms);

}  // namespace lambdascope::store
