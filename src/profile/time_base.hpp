// FlameScope's time base, the one origin of every "seconds from the start" in lambdascope: the heat map's
// columns, `--from/--to` and serve's `from`/`to`. One function, so a heat-map selection and a time filter
// cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>

#include "profile/profile.hpp"

namespace lambdascope::profile {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

// The start of the second (in the profile's clock, floored) of the earliest sample with a time; kNoTime when
// no sample has one.
int64_t time_base_ns(const Profile& p);

// A time `seconds` after `base_ns`, rounded to the nearest nanosecond.
int64_t time_after_base_ns(int64_t base_ns, double seconds);

}  // namespace lambdascope::profile
