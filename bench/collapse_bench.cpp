// perf script -> folded on the 99.6 MB perf-large recording, in memory (no disk, no page cache), with 1 and
// 2 parser threads, plus the reader and the folded writer alone, so a regression shows where it is. The
// input is $LS_PERF_LARGE if set, else perf-script/perf-large.txt.gz from $LS_SHARED_DATA or ../shared/data
// beside the source tree, decompressed once.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"

namespace {

using namespace lambdascope;

std::string input_path() {
  if (const char* p = std::getenv("LS_PERF_LARGE"); p && *p) return p;
  std::string shared;
  if (const char* d = std::getenv("LS_SHARED_DATA"); d && *d)
    shared = d;
  else
    shared = (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "data")
                 .string();
  return shared + "/perf-script/perf-large.txt.gz";
}

const std::string& input() {
  static const std::string text = [] {
    auto in = formats::InputSource::open(input_path());
    return in->read_all();
  }();
  return text;
}

// A fresh in-memory source, made with the clock stopped (the copy of the input is not the reader's work).
std::unique_ptr<formats::InputSource> source(benchmark::State* state) {
  if (state) state->PauseTiming();
  auto in = formats::InputSource::from_memory("perf-large.txt", input());
  if (state) state->ResumeTiming();
  return in;
}

profile::Profile read(unsigned threads, benchmark::State* state = nullptr) {
  auto in = source(state);
  formats::ReadOptions o;
  o.aggregate = true;  // as `lambdascope collapse` reads
  o.threads = threads;
  return formats::read_perf_script(*in, o);
}

// What `lambdascope collapse` does between reading the file and writing stdout.
void BM_Collapse(benchmark::State& state) {
  auto threads = static_cast<unsigned>(state.range(0));
  size_t lines = 0;
  for (auto _ : state) {
    profile::Profile p = read(threads, &state);
    std::string folded = formats::write_folded(p);
    lines = static_cast<size_t>(std::count(folded.begin(), folded.end(), '\n'));
    benchmark::DoNotOptimize(folded.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input().size()));
  state.counters["folded_lines"] = static_cast<double>(lines);
}
BENCHMARK(BM_Collapse)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Per-sample profile, time order kept (what views that need times read).
void BM_ReadWithTimes(benchmark::State& state) {
  for (auto _ : state) {
    auto in = source(&state);
    formats::ReadOptions o;
    o.threads = static_cast<unsigned>(state.range(0));
    profile::Profile p = formats::read_perf_script(*in, o);
    benchmark::DoNotOptimize(p.num_samples());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input().size()));
}
BENCHMARK(BM_ReadWithTimes)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The folded writer alone, on the aggregated profile: it must not be the bottleneck.
void BM_FoldedWriter(benchmark::State& state) {
  profile::Profile p = read(2);
  for (auto _ : state) {
    std::string folded = formats::write_folded(p);
    benchmark::DoNotOptimize(folded.data());
  }
  state.counters["samples"] = static_cast<double>(p.num_samples());
}
BENCHMARK(BM_FoldedWriter)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
