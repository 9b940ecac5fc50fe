#include "render/heatmap.hpp"

#include <gtest/gtest.h>

#include "render/render_test_util.hpp"

namespace lambdascope::render {
namespace {

using test::make_profile;
constexpr int64_t kS = kNanosPerSecond;

HeatmapOptions fixed(int rows, int64_t column_s = 1) {
  HeatmapOptions o;
  o.grid.rows = rows;
  o.grid.column_ns = column_s * kS;
  o.auto_columns = false;
  return o;
}

TEST(Heatmap, ExactSecondsStartTheirBucket) {
  int64_t base = 100 * kS;
  // 20 ms buckets: 0, 19.999999 ms, 20 ms, 1 s exactly, and the last nanosecond of second 1.
  profile::Profile p = make_profile({{"a", base},
                                     {"a", base + 20'000'000 - 1},
                                     {"a", base + 20'000'000},
                                     {"a", base + kS},
                                     {"a", base + 2 * kS - 1}});
  Heatmap h = build_heatmap(p, fixed(50));
  EXPECT_EQ(h.time_base_ns, base);
  ASSERT_EQ(h.columns, 2);
  EXPECT_EQ(h.cell(0, 0), 2);
  EXPECT_EQ(h.cell(0, 1), 1);
  EXPECT_EQ(h.cell(1, 0), 1);
  EXPECT_EQ(h.cell(1, 49), 1);  // the last sample is counted, in the last row of the last column
  EXPECT_EQ(h.max_cell, 2);
  EXPECT_EQ(h.samples_used, 5u);
}

TEST(Heatmap, AnOddRowCountHasExactBucketBoundaries) {
  HeatmapGrid g;
  g.rows = 49;  // 1e9 / 49 ns is not an integer
  for (int64_t k = 1; k < 49; ++k) {
    int64_t start = g.row_start_ns(k);
    EXPECT_EQ(start, (k * kS + 48) / 49);
    EXPECT_EQ(g.row_of(start), k) << k;          // the first integer time in bucket k
    EXPECT_EQ(g.row_of(start - 1), k - 1) << k;  // the last one of bucket k - 1
  }
  EXPECT_EQ(g.row_start_ns(0), 0);
  EXPECT_EQ(g.row_start_ns(49), kS);
  // A selection is the half-open union of its cells, in column-major order, either way round.
  auto [b, e] = g.range_ns(2, 48, 3, 0);
  EXPECT_EQ(b, 2 * kS + g.row_start_ns(48));
  EXPECT_EQ(e, 3 * kS + g.row_start_ns(1));
  EXPECT_EQ(g.range_ns(3, 0, 2, 48), std::make_pair(b, e));
  EXPECT_EQ(g.range_ns(0, 0, 0, 48), std::make_pair(int64_t{0}, kS));
}

TEST(Heatmap, ACellRangeSelectsExactlyTheSamplesInItsCells) {
  HeatmapGrid g;
  g.rows = 7;
  g.column_ns = 3 * kS;
  profile::Profile p;
  std::vector<std::pair<std::string, int64_t>> samples;
  for (int64_t t = 0; t < 9 * kS; t += 37'000'017) samples.push_back({"a", t});
  p = make_profile(samples);
  HeatmapOptions o;
  o.grid = g;
  o.auto_columns = false;
  Heatmap h = build_heatmap(p, o);
  auto [b, e] = g.range_ns(0, 3, 1, 5);
  double in_range = 0;
  for (const auto& [stack, t] : samples) in_range += t >= b && t < e;
  double in_cells = 0;
  for (int r = 3; r < 7; ++r) in_cells += h.cell(0, r);
  for (int r = 0; r <= 5; ++r) in_cells += h.cell(1, r);
  EXPECT_EQ(in_cells, in_range);
  EXPECT_GT(in_cells, 0);
}

TEST(Heatmap, OutOfOrderSamplesLandInTheirCells) {
  int64_t base = 5 * kS;
  profile::Profile p =
      make_profile({{"a", base + 3 * kS + 500'000'000}, {"a", base + 100}, {"a", base + kS + 1}});
  Heatmap h = build_heatmap(p, fixed(10));
  ASSERT_EQ(h.columns, 4);
  EXPECT_EQ(h.cell(3, 5), 1);
  EXPECT_EQ(h.cell(0, 0), 1);
  EXPECT_EQ(h.cell(1, 0), 1);
}

TEST(Heatmap, WeightsIdleAndUntimedSamples) {
  profile::Profile p =
      make_profile({{"main;work", 0},
                    {"swapper;cpu_startup_entry;native_safe_halt", 1},
                    {"swapper;native_safe_halt;irq_handler", 2},  // IRQ work during idle counts
                    {"main;work", profile::kNoTime}},
                   "", {10, 20, 30, 40});
  HeatmapOptions o = fixed(1);
  Heatmap h = build_heatmap(p, o);
  EXPECT_EQ(h.cell(0, 0), 10 + 30);
  EXPECT_EQ(h.samples_idle, 1u);
  EXPECT_EQ(h.samples_untimed, 1u);
  o.include_idle = true;
  EXPECT_EQ(build_heatmap(p, o).cell(0, 0), 60);
}

TEST(Heatmap, RejectsBadGrids) {
  profile::Profile p = make_profile({{"a", 0}});
  EXPECT_THROW(build_heatmap(p, fixed(0)), std::invalid_argument);
  EXPECT_THROW(build_heatmap(p, fixed(-5)), std::invalid_argument);
  EXPECT_THROW(build_heatmap(p, fixed(kMaxHeatmapRows + 1)), std::invalid_argument);
  EXPECT_NO_THROW(build_heatmap(p, fixed(kMaxHeatmapRows)));
  HeatmapOptions o = fixed(50);
  o.grid.column_ns = 0;
  EXPECT_THROW(build_heatmap(p, o), std::invalid_argument);
  o = fixed(50);
  o.value_index = 3;
  EXPECT_THROW(build_heatmap(p, o), std::invalid_argument);
  // 100 days at 1 s columns and 1000 rows would be 8.6 billion cells.
  profile::Profile long_one = make_profile({{"a", 0}, {"a", 100 * 86400 * kS}});
  EXPECT_THROW(build_heatmap(long_one, fixed(1000)), std::invalid_argument);
}

TEST(Heatmap, ColumnScaleGrowsForLongRecordings) {
  EXPECT_EQ(choose_column_seconds(0), 1);
  EXPECT_EQ(choose_column_seconds(999 * kS + kS - 1), 1);  // 1000 columns
  EXPECT_EQ(choose_column_seconds(1000 * kS), 2);          // would be 1001
  EXPECT_EQ(choose_column_seconds(3600 * kS), 5);
  EXPECT_EQ(choose_column_seconds(86400 * kS), 120);
  EXPECT_EQ(choose_column_seconds(3650LL * 86400 * kS), 86400);
}

TEST(Heatmap, ADayLongRecordingStaysUsable) {
  // One sample every 7 s for 24 h, starting mid-second, plus the very last nanosecond of the day.
  int64_t base = 1'700'000'000LL * kS;
  std::vector<std::pair<std::string, int64_t>> samples;
  for (int64_t t = 250'000'000; t < 86400 * kS; t += 7 * kS) samples.push_back({"a", base + t});
  samples.push_back({"a", base + 86400 * kS - 1});
  profile::Profile p = make_profile(samples);
  HeatmapOptions o;
  o.grid.rows = 50;
  Heatmap h = build_heatmap(p, o);
  EXPECT_EQ(h.grid.column_ns, 120 * kS);
  EXPECT_EQ(h.columns, 720);
  EXPECT_LE(h.columns, kMaxHeatmapColumns);
  double sum = 0;
  for (double c : h.cells) sum += c;
  EXPECT_EQ(sum, static_cast<double>(samples.size()));
  // The day's last nanosecond is the last row of the last column, alone there (the 7 s samples nearest the
  // end are at 86394.25 s, before that bucket's start at 86397.6 s).
  EXPECT_EQ(h.cell(719, 49), 1);
  // The first sample, 0.25 s in: column 0, row floor(0.25 s · 50 / 120 s) = 0.
  EXPECT_GE(h.cell(0, 0), 1);
}

}  // namespace
}  // namespace lambdascope::render
