// The FlameScope sub-second heat map, as docs/page-data.md defines it: columns of S seconds counted from the
// time base (profile::time_base_ns: the start of the second of the earliest sample, the base of --from/--to),
// R rows per column, each cell the weight of the samples whose time falls in it. All arithmetic is on integer
// nanoseconds, so a sample at an exact second lands in the bucket that starts there and a cell range maps to
// an exact half-open nanosecond range. The web UI does the same math in TypeScript; this is the reference the
// CLI and the tests use.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "profile/profile.hpp"
#include "profile/time_base.hpp"

namespace lambdascope::render {

using profile::kNanosPerSecond;
inline constexpr int kMaxHeatmapRows = 1000;
// Columns a page can show and still be read (FlameScope draws cells 6-10 px wide); longer recordings get
// coarser columns.
inline constexpr int64_t kMaxHeatmapColumns = 1000;

// Seconds per column for a recording spanning `span_ns` from its time base: the smallest of 1, 2, 5, 10, 15,
// 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400 that needs at most kMaxHeatmapColumns
// columns (the largest when even that one needs more).
int64_t choose_column_seconds(int64_t span_ns);

// The grid geometry: `column_ns` = S·1e9, `rows` = R.
struct HeatmapGrid {
  int64_t column_ns = kNanosPerSecond;
  int rows = 50;

  // Throws std::invalid_argument unless 1 <= rows <= kMaxHeatmapRows and column_ns > 0.
  void validate() const;
  // The first nanosecond (from the column start) of row k, k in [0, rows]: ceil(k·column_ns / rows).
  int64_t row_start_ns(int64_t k) const;
  // The cell of an offset t >= 0 from the time base.
  int64_t column_of(int64_t t) const { return t / column_ns; }
  int row_of(int64_t t) const;
  // The half-open offset range [begin, end) covered by the cells from (c0, r0) to (c1, r1) inclusive, in
  // column-major order (docs/page-data.md); the two corners may come in either order.
  std::pair<int64_t, int64_t> range_ns(int64_t c0, int r0, int64_t c1, int r1) const;
};

struct HeatmapOptions {
  HeatmapGrid grid;
  bool auto_columns = true;  // replace grid.column_ns by choose_column_seconds() of the recording
  size_t value_index = 0;    // each sample adds its value in this column (the count column counts samples)
  bool include_idle = false;
};

struct Heatmap {
  int64_t time_base_ns = profile::kNoTime;
  HeatmapGrid grid;
  int64_t columns = 0;
  std::vector<double> cells;  // column-major: cells[c * rows + r]
  double max_cell = 0;
  size_t samples_used = 0;
  size_t samples_untimed = 0;  // left out: no timestamp
  size_t samples_idle = 0;     // left out: idle leaf (when !include_idle)

  double cell(int64_t c, int r) const { return cells[static_cast<size_t>(c) * grid.rows + r]; }
};

// Throws std::invalid_argument on a bad grid, or when the grid would need more than 50 million cells.
Heatmap build_heatmap(const profile::Profile& p, const HeatmapOptions& options);

}  // namespace lambdascope::render
