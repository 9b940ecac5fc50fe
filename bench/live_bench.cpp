// The live server's costs with a full stack table (issue 14's targets): /metrics, /flamegraph.json and a 30 s
// pprof with 65,536 stacks in the table, and the memory that table and 600 s of history take. The table is
// filled by random 20-deep paths through 2,000 function names, 100 samples per second of history; the windows
// read the first seconds, whose 3,000 to 6,000 samples each have a stack of their own.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <string>

#include "formats/writers.hpp"
#include "render/nested_set.hpp"
#include "server/live/live_aggregator.hpp"
#include "server/live/metrics_writer.hpp"

namespace {

using namespace lambdascope;

long rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// One batch per second for `seconds` seconds: `per_second` samples of random paths.
live::LiveAggregator& full_aggregator() {
  static live::LiveAggregator* agg = [] {
    auto* a = new live::LiveAggregator(live::LiveOptions{});
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> fn(0, 1999);
    for (int second = 0; second < 600; ++second) {
      profile::Profile batch;
      batch.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
      for (int s = 0; s < 100; ++s) {
        profile::StackId stack = profile::StackTrie::kRoot;
        for (int d = 0; d < 20; ++d)
          stack =
              batch.stacks.push(stack, batch.intern_frame("function_" + std::to_string(d < 3 ? d : fn(rng))));
        double values[2] = {1, 10'101'010};
        profile::SampleRow row;
        row.stack = stack;
        row.values = values;
        row.thread_name = batch.intern(s % 4 ? "worker" : "main");
        batch.add_sample(row);
      }
      a->add(batch, 1'000'000 + second);
    }
    return a;
  }();
  return *agg;
}

void BM_Metrics(benchmark::State& state) {
  live::LiveAggregator& agg = full_aggregator();
  for (auto _ : state) {
    std::string body = live::write_metrics(agg.metrics(1'000'600), live::MetricsFormat::kText004);
    benchmark::DoNotOptimize(body);
  }
  state.counters["stacks"] = static_cast<double>(agg.stack_count());
  state.counters["rss_MB"] = static_cast<double>(rss_kb()) / 1024;
}
BENCHMARK(BM_Metrics)->Unit(benchmark::kMillisecond);

void BM_FlamegraphJson60s(benchmark::State& state) {
  live::LiveAggregator& agg = full_aggregator();
  for (auto _ : state) {
    std::string body = render::nested_set_json(agg.nested_set(1'000'000, 1'000'060, 5000));
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_FlamegraphJson60s)->Unit(benchmark::kMillisecond);

void BM_Pprof30s(benchmark::State& state) {
  live::LiveAggregator& agg = full_aggregator();
  for (auto _ : state) {
    std::string body = formats::write_pprof(agg.window_profile(1'000'000, 1'000'030));
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_Pprof30s)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
