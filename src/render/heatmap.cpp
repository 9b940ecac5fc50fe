#include "render/heatmap.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "profile/idle.hpp"

namespace lambdascope::render {

namespace {
constexpr size_t kMaxCells = 50'000'000;  // 400 MB of doubles; beyond that the request is a mistake
}  // namespace

int64_t choose_column_seconds(int64_t span_ns) {
  static constexpr std::array<int64_t, 17> kLadder = {1,   2,   5,    10,   15,   30,    60,    120,  300,
                                                      600, 900, 1800, 3600, 7200, 21600, 43200, 86400};
  for (int64_t s : kLadder) {
    int64_t column_ns = s * kNanosPerSecond;
    // Columns needed for offsets 0 .. span_ns inclusive.
    if (span_ns / column_ns + 1 <= kMaxHeatmapColumns) return s;
  }
  return kLadder.back();
}

void HeatmapGrid::validate() const {
  if (rows < 1 || rows > kMaxHeatmapRows)
    throw std::invalid_argument("heat map rows must be between 1 and " + std::to_string(kMaxHeatmapRows) +
                                ", got " + std::to_string(rows));
  // The upper bound keeps k·column_ns and offset·rows inside int64 (1e15 ns ≈ 11.6 days per column).
  if (column_ns <= 0 || column_ns > 1'000'000 * kNanosPerSecond)
    throw std::invalid_argument("heat map columns must be between 1 ns and 1,000,000 s long");
}

int64_t HeatmapGrid::row_start_ns(int64_t k) const {
  // column_ns · rows stays below 2^63 for columns up to 106 days at 1000 rows.
  return (k * column_ns + rows - 1) / rows;
}

int HeatmapGrid::row_of(int64_t t) const {
  int64_t within = t % column_ns;
  return static_cast<int>(within * rows / column_ns);
}

std::pair<int64_t, int64_t> HeatmapGrid::range_ns(int64_t c0, int r0, int64_t c1, int r1) const {
  if (c1 < c0 || (c1 == c0 && r1 < r0)) {
    std::swap(c0, c1);
    std::swap(r0, r1);
  }
  return {c0 * column_ns + row_start_ns(r0), c1 * column_ns + row_start_ns(r1 + 1)};
}

Heatmap build_heatmap(const profile::Profile& p, const HeatmapOptions& options) {
  Heatmap h;
  h.grid = options.grid;
  h.time_base_ns = profile::time_base_ns(p);
  std::vector<uint8_t> idle;
  if (!options.include_idle) idle = profile::idle_stacks(p);
  int64_t last = -1;
  for (int64_t t : p.samples.time_ns)
    if (t != profile::kNoTime) last = std::max(last, t - h.time_base_ns);
  if (options.auto_columns && last >= 0) h.grid.column_ns = choose_column_seconds(last) * kNanosPerSecond;
  h.grid.validate();
  if (p.num_values() > 0 && options.value_index >= p.num_values())
    throw std::invalid_argument("heat map value column " + std::to_string(options.value_index) +
                                " does not exist");
  if (last < 0) return h;  // nothing has a time: no columns

  h.columns = h.grid.column_of(last) + 1;
  if (static_cast<uint64_t>(h.columns) * static_cast<uint64_t>(h.grid.rows) > kMaxCells)
    throw std::invalid_argument("heat map of " + std::to_string(h.columns) + " columns x " +
                                std::to_string(h.grid.rows) + " rows is too large; use longer columns");
  h.cells.assign(static_cast<size_t>(h.columns) * h.grid.rows, 0.0);
  const size_t nv = p.num_values();
  for (size_t i = 0; i < p.num_samples(); ++i) {
    int64_t t = p.samples.time_ns[i];
    if (t == profile::kNoTime) {
      ++h.samples_untimed;
      continue;
    }
    if (!idle.empty() && idle[p.samples.stack[i]]) {
      ++h.samples_idle;
      continue;
    }
    int64_t offset = t - h.time_base_ns;
    double& cell =
        h.cells[static_cast<size_t>(h.grid.column_of(offset)) * h.grid.rows + h.grid.row_of(offset)];
    cell += nv == 0 ? 1.0 : p.samples.values[i * nv + options.value_index];
    ++h.samples_used;
  }
  for (double c : h.cells) h.max_cell = std::max(h.max_cell, c);
  return h;
}

}  // namespace lambdascope::render
