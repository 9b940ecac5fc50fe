#include "profile/time_base.hpp"

#include <cmath>

namespace lambdascope::profile {

int64_t time_base_ns(const Profile& p) {
  int64_t first = kNoTime;
  for (int64_t t : p.samples.time_ns)
    if (t != kNoTime && (first == kNoTime || t < first)) first = t;
  if (first == kNoTime) return first;
  int64_t q = first / kNanosPerSecond;
  if (first % kNanosPerSecond != 0 && first < 0) --q;  // floor, not truncation
  return q * kNanosPerSecond;
}

int64_t time_after_base_ns(int64_t base_ns, double seconds) {
  return base_ns + static_cast<int64_t>(std::llround(seconds * 1e9));
}

}  // namespace lambdascope::profile
