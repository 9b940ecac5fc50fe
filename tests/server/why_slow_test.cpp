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

namespace lambdascope::server {
namespace {

// A wall profile of one process: the request's thread (tid 1) runs `handler` and waits on I/O; a pool thread
// (tid 2) waits on a lock the whole time. `wait_ms` of I/O wait and `pool_ms` of pool wait per invocation.
profile::Profile wall_profile(double handler_ms, double io_wait_ms, double pool_wait_ms) {
  profile::Profile p;
  p.meta.sample_types = {{"samples", "count"}, {"wall", "nanoseconds"}};
  auto row = [&](std::initializer_list<const char*> names, profile::FrameKind leaf_kind, int32_t tid,
                 double ms) {
    std::vector<profile::FrameId> frames;
    for (const char* n : names) frames.push_back(p.intern_frame(n));
    frames.back() = p.intern_frame(*(names.end() - 1), {}, leaf_kind);
    double values[2] = {ms, ms * 1e6};
    profile::SampleRow r;
    r.stack = p.intern_stack(frames);
    r.values = values;
    r.pid = 7;
    r.tid = tid;
    p.add_sample(r);
  };
  row({"main", "handler"}, profile::FrameKind::kNative, 1, handler_ms);
  row({"main", "epoll_wait", "[waiting: I/O]"}, profile::FrameKind::kWaiting, 1, io_wait_ms);
  row({"worker", "futex_wait", "[waiting: lock]"}, profile::FrameKind::kWaiting, 2, pool_wait_ms);
  return p;
}

TEST(CompareFunctions, WaitsCountOnlyOnTheRequestThread) {
  // Slow invocations wait 80 ms more on I/O on the request's thread; the pool thread waits as long as each
  // invocation lasts (100 ms more), which is not why they are slow.
  auto ranked = compare_functions(wall_profile(20, 100, 140), 1, wall_profile(20, 20, 40), 1);
  ASSERT_FALSE(ranked.empty());
  EXPECT_EQ(ranked.front().name, "[waiting: I/O]");
  EXPECT_NEAR(ranked.front().slow_self_ms - ranked.front().fast_self_ms, 80, 1e-9);
  for (const FunctionCost& c : ranked) EXPECT_NE(c.name, "[waiting: lock]") << "the pool thread's wait";
}

}  // namespace
}  // namespace lambdascope::server
