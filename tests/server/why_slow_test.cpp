#include "server/why_slow.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace lambdascope::server {
namespace {

TEST(PoissonRates, EqualCountsInEqualExposureAreNoise) {
  EXPECT_NEAR(poisson_rates_p_value(10, 5, 10, 5), 1.0, 1e-9);
  EXPECT_DOUBLE_EQ(poisson_rates_p_value(0, 5, 0, 5), 1.0);
}

TEST(PoissonRates, ExactBinomialTails) {
  // 15 of 20 at p = 1/2: P(X >= 15) + P(X <= 5) = 2 x 0.0206947...
  EXPECT_NEAR(poisson_rates_p_value(15, 3, 5, 3), 0.0413894, 1e-6);
  EXPECT_NEAR(poisson_rates_p_value(20, 1, 0, 1), 2 * std::pow(0.5, 20), 1e-12);
  // Exposure matters: 30 vs 10 samples are what 3 vs 1 invocations give at equal cost.
  EXPECT_GT(poisson_rates_p_value(30, 3, 10, 1), 0.5);
}

TEST(PoissonRates, NormalApproximationForLargeCounts) {
  // m = 10,000, p = 1/2: z = (100 - 0.5) / 50.
  EXPECT_NEAR(poisson_rates_p_value(5100, 1, 4900, 1), std::erfc(1.99 / std::sqrt(2.0)), 1e-9);
}

std::vector<Invocation> invocations(const std::vector<int64_t>& durations) {
  std::vector<Invocation> out;
  for (size_t i = 0; i < durations.size(); ++i) {
    Invocation inv;
    inv.object.key = "f/" + std::to_string(i);
    inv.object.profile.duration_ms = durations[i];
    out.push_back(inv);
  }
  return out;
}

std::vector<const Invocation*> pointers(const std::vector<Invocation>& v) {
  std::vector<const Invocation*> out;
  for (const Invocation& i : v) out.push_back(&i);
  return out;
}

TEST(WhySlowGroups, TopDecileAtLeastThreeAgainstTheMiddleBand) {
  std::vector<int64_t> d;
  for (int i = 1; i <= 40; ++i) d.push_back(i * 10);
  auto inv = invocations(d);
  WhySlowGroups g = why_slow_groups(pointers(inv));
  EXPECT_EQ(g.slow.size(), 4u);  // 10% of 40
  EXPECT_EQ(g.slow_min_ms, 370);
  EXPECT_EQ(g.fast_min_ms, 170);  // ranks 16..24 (p40..p60)
  EXPECT_EQ(g.fast_max_ms, 240);
  EXPECT_EQ(g.fast.size(), 8u);

  auto few = invocations({5, 1, 4, 2, 6, 3});
  WhySlowGroups h = why_slow_groups(pointers(few));
  EXPECT_EQ(h.slow.size(), 3u);  // at least 3
  EXPECT_EQ(h.fast.size(), 1u);  // the band without the slow ones
  EXPECT_EQ(h.fast.front()->object.profile.duration_ms, 3);
}

TEST(WhySlowGroups, TiesFallInOneGroupAndTooFewIsA400) {
  auto same = invocations({7, 7, 7, 7, 7, 7, 7});
  EXPECT_THROW(why_slow_groups(pointers(same)), BadParameter);
  auto five = invocations({1, 2, 3, 4, 5});
  try {
    why_slow_groups(pointers(five));
    FAIL() << "five invocations formed two groups";
  } catch (const BadParameter& e) {
    EXPECT_EQ(e.parameter(), "function");
  }
}

}  // namespace
}  // namespace lambdascope::server
