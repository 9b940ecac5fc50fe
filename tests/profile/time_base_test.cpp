#include "profile/time_base.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace lambdascope::profile {
namespace {

constexpr int64_t kS = kNanosPerSecond;

Profile timed(std::initializer_list<int64_t> times) {
  Profile p;
  p.meta.sample_types = {{"samples", "count"}};
  StackId s = p.intern_stack(std::vector<FrameId>{p.intern_frame("a")});
  double one = 1;
  for (int64_t t : times) p.add_sample({.stack = s, .values = {&one, 1}, .time_ns = t});
  return p;
}

TEST(TimeBase, IsTheStartOfTheFirstSamplesSecond) {
  EXPECT_EQ(time_base_ns(timed({663 * kS + 999, 662 * kS + 1})), 662 * kS);
  EXPECT_EQ(time_base_ns(timed({-1})), -kS);  // floor, not truncation
  EXPECT_EQ(time_base_ns(timed({-kS})), -kS);
  EXPECT_EQ(time_base_ns(timed({kNoTime, 5 * kS})), 5 * kS);
  EXPECT_EQ(time_base_ns(timed({kNoTime})), kNoTime);
}

TEST(TimeBase, SecondsAfterTheBaseRoundToTheNearestNanosecond) {
  EXPECT_EQ(time_after_base_ns(10 * kS, 2.5), 12 * kS + kS / 2);
  EXPECT_EQ(time_after_base_ns(0, 1e-9 * 0.6), 1);
  EXPECT_EQ(time_after_base_ns(kS, -0.25), kS - kS / 4);
}

}  // namespace
}  // namespace lambdascope::profile
