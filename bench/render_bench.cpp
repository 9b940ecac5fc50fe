// The page and SVG writers on a generated recording shaped like a busy Lambda function under perf: 1,000,000
// samples at 1999 Hz on 4 CPUs (about 125 s), 8 threads, 3,000 distinct stacks 6 to 40 frames deep, count and
// period values, jittered times. Reports the HTML sizes as counters (target: a 1M-sample heat map page under
// 10 MB) next to the times. bench/render_peers.sh runs it beside the end-to-end runs and npm's flamegraph.
#include <benchmark/benchmark.h>

#include <random>

#include "profile/profile.hpp"
#include "render/embedded_files.hpp"
#include "render/flame_layout.hpp"
#include "render/heatmap.hpp"
#include "render/html_page.hpp"
#include "render/page_payload.hpp"
#include "render/payload_encoding.hpp"
#include "render/svg_writer.hpp"

namespace lambdascope::render {
namespace {

const profile::Profile& recording() {
  static const profile::Profile p = [] {
    profile::Profile p;
    p.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
    p.meta.period_type = {"cpu", "nanoseconds"};
    p.meta.period = 500250;
    std::mt19937_64 rng(42);
    // A call tree: functions drawn from a pool, so stacks share prefixes like real programs do.
    std::vector<profile::FrameId> pool;
    for (int i = 0; i < 1500; ++i) {
      auto kind = i % 5 == 0 ? profile::FrameKind::kKernel : profile::FrameKind::kNative;
      pool.push_back(p.intern_frame("function_" + std::to_string(i) + "::handle(request&)",
                                    i % 5 == 0 ? "[kernel.kallsyms]" : "/var/task/bootstrap", kind));
    }
    std::vector<profile::StackId> stacks;
    std::vector<profile::FrameId> path;
    while (stacks.size() < 3000) {
      path.assign({pool[0], pool[1 + rng() % 3]});
      size_t depth = 6 + rng() % 35;
      while (path.size() < depth) path.push_back(pool[(path.back() * 7 + rng() % 40) % pool.size()]);
      stacks.push_back(p.intern_stack(path));
    }
    std::vector<profile::StringId> threads;
    for (int t = 0; t < 8; ++t)
      threads.push_back(p.intern(t == 0 ? "bootstrap" : "worker-" + std::to_string(t)));
    // Zipf-like stack popularity: a few hot paths, a long tail.
    std::vector<double> popularity(stacks.size());
    for (size_t i = 0; i < popularity.size(); ++i) popularity[i] = 1.0 / static_cast<double>(i + 1);
    std::discrete_distribution<size_t> pick(popularity.begin(), popularity.end());
    int64_t t = 1'700'000'000'123'456'789LL;
    const size_t n = 1'000'000;
    p.samples.reserve(n, 2);
    for (size_t i = 0; i < n; ++i) {
      t += 125'000 + static_cast<int64_t>(rng() % 2000) - 1000;
      double values[2] = {1, 500250};
      profile::SampleRow row;
      row.stack = stacks[pick(rng)];
      row.values = values;
      row.time_ns = t;
      size_t thread = rng() % 8;
      row.pid = 4242;
      row.tid = 4242 + static_cast<int32_t>(thread);
      row.cpu = static_cast<int32_t>(rng() % 4);
      row.thread_name = threads[thread];
      p.add_sample(row);
    }
    return p;
  }();
  return p;
}

PagePayload payload(PageKind kind) {
  PagePayload pp;
  pp.page = kind;
  pp.title = "bench";
  pp.profiles.push_back({&recording(), {}});
  pp.detail = kind == PageKind::kHeatmap ? SampleDetail::kEverySample : SampleDetail::kAggregated;
  return pp;
}

void BM_HeatmapPage1M(benchmark::State& state) {
  const profile::Profile& p = recording();
  size_t bytes = 0, json = 0;
  for (auto _ : state) {
    std::string j = page_payload_json(payload(PageKind::kHeatmap));
    std::string html = html_page("bench", j, web_bundle());
    bytes = html.size();
    json = j.size();
    benchmark::DoNotOptimize(html.data());
  }
  state.counters["samples"] = static_cast<double>(p.num_samples());
  state.counters["json_MB"] = static_cast<double>(json) / 1e6;
  state.counters["html_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_HeatmapPage1M)->Unit(benchmark::kMillisecond)->Iterations(3);

// The parts of the heat map page: JSON, then gzip at a few levels (the page uses the default).
void BM_HeatmapJson1M(benchmark::State& state) {
  for (auto _ : state) {
    std::string j = page_payload_json(payload(PageKind::kHeatmap));
    benchmark::DoNotOptimize(j.data());
  }
}
BENCHMARK(BM_HeatmapJson1M)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_GzipHeatmapJson1M(benchmark::State& state) {
  static const std::string json = page_payload_json(payload(PageKind::kHeatmap));
  size_t bytes = 0;
  for (auto _ : state) bytes = gzip_compress(json, static_cast<int>(state.range(0))).size();
  state.counters["gzip_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_GzipHeatmapJson1M)
    ->Arg(1)
    ->Arg(6)
    ->Arg(9)
    ->Arg(12)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_FlamegraphPage1M(benchmark::State& state) {
  size_t bytes = 0;
  for (auto _ : state) {
    std::string html = html_page("bench", page_payload_json(payload(PageKind::kFlamegraph)), web_bundle());
    bytes = html.size();
    benchmark::DoNotOptimize(html.data());
  }
  state.counters["html_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_FlamegraphPage1M)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_FlamegraphSvg1M(benchmark::State& state) {
  const profile::Profile& p = recording();
  size_t bytes = 0, frames = 0;
  for (auto _ : state) {
    FlameLayoutOptions lo;
    lo.min_width = p.total(0) * 0.1 / 1180;  // flamegraph.pl's 0.1 px
    FlameLayout layout = layout_flame_graph(p, lo);
    std::string svg = write_flame_svg(p, layout, {});
    bytes = svg.size();
    frames = layout.rects.size();
    benchmark::DoNotOptimize(svg.data());
  }
  state.counters["frames"] = static_cast<double>(frames);
  state.counters["svg_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_FlamegraphSvg1M)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_HeatmapGrid1M(benchmark::State& state) {
  const profile::Profile& p = recording();
  for (auto _ : state) {
    Heatmap h = build_heatmap(p, {});
    benchmark::DoNotOptimize(h.cells.data());
  }
}
BENCHMARK(BM_HeatmapGrid1M)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace lambdascope::render

BENCHMARK_MAIN();
