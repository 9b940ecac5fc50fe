// Why are the slow invocations slow: the slowest invocations of a function (the top decile by duration, at
// least 3) against its middle band (p40 to p60), per frame name: the milliseconds each costs per invocation
// in each group (self and total), the sample counts behind them, and whether the difference is within
// sampling noise (a two-sided exact test of two Poisson rates, docs/serve.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "server/catalog.hpp"
#include "server/selection.hpp"

namespace lambdascope::server {

inline constexpr double kNoiseAlpha = 0.01;  // p >= this: the difference is marked as noise

// The two groups, as duration bounds over a function's invoke profiles (so ties fall in one group).
struct WhySlowGroups {
  std::vector<const Invocation*> slow, fast;
  int64_t slow_min_ms = 0;                   // slow: duration >= this
  int64_t fast_min_ms = 0, fast_max_ms = 0;  // fast: this range, inclusive
};

// Throws BadParameter ("function") when the function has too few invocations to form both groups.
WhySlowGroups why_slow_groups(const std::vector<const Invocation*>& invocations);

struct FunctionCost {
  std::string name;
  double slow_self_ms = 0, fast_self_ms = 0, slow_total_ms = 0, fast_total_ms = 0;  // per invocation
  int64_t slow_self_samples = 0, fast_self_samples = 0, slow_total_samples = 0, fast_total_samples = 0;
  double self_p = 1, total_p = 1;  // two-sided p-values of the self and total sample counts
};

// Per frame name in either profile: the costs per invocation; most self extra first. `slow` and `fast` are
// each group's merged profile; ms come from the first nanosecond sample type (0 when none), samples from the
// count type.
std::vector<FunctionCost> compare_functions(const profile::Profile& slow, size_t slow_invocations,
                                            const profile::Profile& fast, size_t fast_invocations);

// The two-sided p-value of k1 events in exposure n1 against k2 in n2 under equal rates: k1 given k1 + k2 is
// binomial with p = n1 / (n1 + n2). Exact up to 5,000 events, the normal approximation above.
double poisson_rates_p_value(int64_t k1, double n1, int64_t k2, double n2);

}  // namespace lambdascope::server
