#include "server/live/live_aggregator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "live/live_test_support.hpp"

namespace lambdascope::live {
namespace {

using testing::BatchSample;
using testing::make_batch;

std::map<std::string, double> as_map(const std::vector<LabeledValue>& values) {
  std::map<std::string, double> m;
  for (const auto& v : values) m[v.label] = v.value;
  return m;
}

TEST(LiveAggregator, CountersAreCumulativeAndAScrapeResetsNothing) {
  LiveAggregator agg(LiveOptions{});
  agg.add(make_batch({{"main;work;hot"}, {"main;work;cold"}, {"main;work;hot", 10'000'000, "worker"}}),
          100.2);
  EXPECT_FALSE(
      as_map(agg.metrics(100.5).function_self_seconds).count("hot"));  // no choice in the first seconds
  MetricsSnapshot first = agg.metrics(105.5);
  MetricsSnapshot second = agg.metrics(105.6);  // a second scraper
  EXPECT_EQ(as_map(first.samples_by_mode), as_map(second.samples_by_mode));
  EXPECT_EQ(as_map(first.samples_by_mode)["cpu"], 3);
  EXPECT_DOUBLE_EQ(as_map(first.seconds_by_thread)["main"], 0.02);
  EXPECT_DOUBLE_EQ(as_map(first.seconds_by_thread)["worker"], 0.01);
  // Named series count since start; the first batch came before any top set was chosen, so `other` has it.
  EXPECT_DOUBLE_EQ(as_map(second.function_self_seconds)["hot"], 0.02);
  EXPECT_DOUBLE_EQ(as_map(second.function_total_seconds)["hot"], 0.02);
  EXPECT_DOUBLE_EQ(as_map(second.function_self_seconds)["other"], 0.03);
  EXPECT_FALSE(as_map(second.function_total_seconds).count("work"));  // the set is chosen by self time
  agg.add(make_batch({{"main;work;hot"}}), 106.0);
  MetricsSnapshot third = agg.metrics(106.5);
  EXPECT_DOUBLE_EQ(as_map(third.function_self_seconds)["hot"], 0.03);
  EXPECT_DOUBLE_EQ(as_map(third.function_self_seconds)["other"], 0.03);  // hot is named now
  EXPECT_EQ(as_map(third.samples_by_mode)["cpu"], 4);
}

// Wall-mode profiles carry samples, wall and cpu columns: function seconds are wall time, CPU seconds per
// thread only what the cpu column says (a sleeping thread's wall samples are no CPU time).
TEST(LiveAggregator, WallModeCountsCpuSecondsFromTheCpuColumn) {
  profile::Profile wall = make_batch({{"main;sleep"}, {"main;spin"}});
  wall.meta.sample_types = {{"samples", "count"}, {"wall", "nanoseconds"}, {"cpu", "nanoseconds"}};
  wall.meta.period_type = {"wall", "nanoseconds"};
  wall.samples.values.clear();
  for (double v : {1.0, 10'000'000.0, 0.0, 1.0, 10'000'000.0, 9'000'000.0}) wall.samples.values.push_back(v);
  LiveAggregator agg(LiveOptions{});
  agg.add(wall, 100.0);
  MetricsSnapshot m = agg.metrics(106.0);
  EXPECT_EQ(as_map(m.samples_by_mode)["wall"], 2);
  EXPECT_DOUBLE_EQ(as_map(m.seconds_by_thread)["main"], 0.009);
  EXPECT_DOUBLE_EQ(as_map(m.function_self_seconds)["sleep"], 0.01);  // wall time, though no CPU

  // Without a cpu column (rings before format version 2) no CPU time is claimed.
  profile::Profile old_wall = make_batch({{"main;sleep"}});
  old_wall.meta.sample_types = {{"samples", "count"}, {"wall", "nanoseconds"}};
  LiveAggregator old_agg(LiveOptions{});
  old_agg.add(old_wall, 100.0);
  EXPECT_DOUBLE_EQ(as_map(old_agg.metrics(106.0).seconds_by_thread)["main"], 0);
}

TEST(LiveAggregator, TopFunctionsPlusOtherAndMembershipChangesOncePerWindow) {
  LiveOptions o;
  o.metrics_top = 2;
  o.window_s = 60;
  LiveAggregator agg(o);
  std::vector<BatchSample> batch;
  for (int i = 0; i < 5; ++i) batch.push_back({"main;a"});
  for (int i = 0; i < 4; ++i) batch.push_back({"main;b"});
  for (int i = 0; i < 1; ++i) batch.push_back({"main;c"});
  agg.add(make_batch(batch), 9);  // before any choice: counts as other
  agg.add(make_batch({}), 10);    // chooses from what came so far
  MetricsSnapshot m = agg.metrics(14.5);
  auto self = as_map(m.function_self_seconds);
  EXPECT_EQ(self.size(), 3u);  // N + other
  EXPECT_TRUE(self.count("a") && self.count("b") && self.count("other"));
  EXPECT_EQ(m.function_total_seconds.size(), 3u);

  // c becomes the hottest, but the set holds until a window has passed.
  std::vector<BatchSample> c_hot(50, {"main;c"});
  agg.add(make_batch(c_hot), 20);
  self = as_map(agg.metrics(30).function_self_seconds);
  EXPECT_FALSE(self.count("c"));
  double other_before = self["other"];
  EXPECT_DOUBLE_EQ(other_before, 0.1 + 0.5);  // the first batch and c since: all unnamed
  // Counters never decrease, also across a change of membership.
  agg.add(make_batch(c_hot), 73);
  auto later = as_map(agg.metrics(75).function_self_seconds);  // a window after the choice at 14
  EXPECT_TRUE(later.count("c"));
  EXPECT_FALSE(later.count("a"));  // no self time in the last window
  EXPECT_EQ(later.size(), 2u);
  EXPECT_GE(later["other"], other_before);
}

TEST(LiveAggregator, StackTableIsCappedAndFoldsIntoOtherPerThread) {
  LiveOptions o;
  o.max_stacks = 16;
  LiveAggregator agg(o);
  std::vector<BatchSample> batch;
  for (int i = 0; i < 200; ++i)
    batch.push_back({"main;f" + std::to_string(i) + ";g", 1000, i % 2 ? "t1" : "t2"});
  agg.add(make_batch(batch), 5);
  EXPECT_LE(agg.stack_count(), 16u);
  EXPECT_GT(agg.folded_samples(), 150u);
  auto rows = agg.nested_set(0, 10, 5000);
  double root = rows.front().value;
  EXPECT_DOUBLE_EQ(root, 200 * 1000.0);
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].label == "[other]") {
      EXPECT_EQ(rows[i].level, 2u);  // under a thread
    }
  // Function counters see the real stacks, not the folded ones.
  EXPECT_DOUBLE_EQ(as_map(agg.metrics(10).function_self_seconds)["g"], 200 * 1000.0 / 1e9);
  EXPECT_DOUBLE_EQ(as_map(agg.metrics(10).dropped_by_reason)["stack_table_full"],
                   static_cast<double>(agg.folded_samples()));
}

// Depth-first pre-order: a row's children follow it with level + 1 until a row of its level or less.
void expect_nested_set(const std::vector<render::NestedSetRow>& rows, double total) {
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].level, 0u);
  EXPECT_DOUBLE_EQ(rows[0].value, total);
  for (size_t i = 0; i < rows.size(); ++i) {
    double children = 0;
    size_t j = i + 1;
    for (; j < rows.size() && rows[j].level > rows[i].level; ++j) {
      if (rows[j].level == rows[i].level + 1) children += rows[j].value;
    }
    if (i + 1 < rows.size()) {
      EXPECT_LE(rows[i + 1].level, rows[i].level + 1) << "row " << i + 1;
    }
    EXPECT_NEAR(rows[i].value, children + rows[i].self, 1e-6) << rows[i].label;
  }
}

TEST(LiveAggregator, NestedSetIsDepthFirstAndPrunedIntoOther) {
  LiveAggregator agg(LiveOptions{});
  std::vector<BatchSample> batch;
  double total = 0;
  for (int i = 0; i < 300; ++i) {
    double ns = 1000.0 * (i + 1);
    batch.push_back({"main;f" + std::to_string(i % 30) + ";g" + std::to_string(i), ns});
    total += ns;
  }
  batch.push_back({"main", 500});
  total += 500;
  agg.add(make_batch(batch), 7.5);
  auto all = agg.nested_set(0, 10, 100000);
  expect_nested_set(all, total);
  EXPECT_EQ(all.size(), 1u + 1 + 1 + 30 + 300);  // total, thread, main, f*, g*
  auto pruned = agg.nested_set(0, 10, 50);
  EXPECT_LE(pruned.size(), 50u);
  expect_nested_set(pruned, total);
  bool has_other = false;
  for (const auto& r : pruned) has_other = has_other || r.label == "other";
  EXPECT_TRUE(has_other);
  // Outside the window: nothing but the root.
  auto empty = agg.nested_set(20, 30, 50);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].value, 0);
}

TEST(LiveAggregator, WindowProfileHasTheWindowsSamples) {
  LiveAggregator agg(LiveOptions{});
  agg.add(make_batch({{"main;a"}, {"main;b"}}), 100.1);
  agg.add(make_batch({{"main;a"}}), 101.1);
  agg.add(make_batch({{"main;a"}, {"main;a"}}), 102.1);
  profile::Profile p = agg.window_profile(101, 103);
  EXPECT_DOUBLE_EQ(p.total(0), 3);
  EXPECT_DOUBLE_EQ(p.total(1), 30'000'000);
  EXPECT_EQ(p.meta.sample_types[1].type, "cpu");
  profile::Profile all = agg.window_profile(100, 103);
  EXPECT_DOUBLE_EQ(all.total(0), 5);
}

TEST(LiveAggregator, HistoryIsBounded) {
  LiveOptions o;
  o.history_s = 5;
  LiveAggregator agg(o);
  for (int t = 0; t < 20; ++t) agg.add(make_batch({{"main;a"}}), t);
  EXPECT_DOUBLE_EQ(agg.window_profile(0, 20).total(0), 5);
  EXPECT_DOUBLE_EQ(as_map(agg.metrics(20).samples_by_mode)["cpu"], 20);  // counters keep everything
}

}  // namespace
}  // namespace lambdascope::live
