// pprof read and write speed on the shared profiles (Google Benchmark), and the input generator of
// bench/pprof_peers.sh: `pprof_bench --generate=DIR --count=N [--plain]` writes N small distinct profiles.
//
// The shared data is found through LS_SHARED_DATA, else ../shared/data beside the source tree.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "profile/filter.hpp"

namespace {

using namespace lambdascope;

std::string shared_data(const std::string& relative) {
  if (const char* d = std::getenv("LS_SHARED_DATA"); d && *d) return std::string(d) + "/" + relative;
  return (std::filesystem::path(__FILE__).parent_path() / "../../shared/data" / relative).string();
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

profile::Profile read_bytes(const std::string& bytes, formats::Format f) {
  auto in = formats::InputSource::from_memory("bench", bytes);
  formats::ReadOptions o;
  o.format = f;
  return formats::read_profile(*in, o);
}

void read_bench(benchmark::State& state, const char* file, formats::Format format, bool inflate_first) {
  std::string bytes = file_bytes(shared_data(file));
  if (inflate_first) bytes = formats::InputSource::from_memory("x", bytes)->read_all();
  for (auto _ : state) benchmark::DoNotOptimize(read_bytes(bytes, format));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void write_bench(benchmark::State& state, const char* file, bool gzip) {
  profile::Profile p = formats::read_profile_file(shared_data(file));
  formats::PprofWriteOptions o;
  o.gzip = gzip;
  size_t size = 0;
  for (auto _ : state) {
    std::string out = formats::write_pprof(p, o);
    size = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * p.num_samples()));
  state.counters["out_bytes"] = static_cast<double>(size);
}

BENCHMARK_CAPTURE(read_bench, go_cpu_gz, "pprof/go-cpu.pb.gz", formats::Format::kPprof, false);
BENCHMARK_CAPTURE(read_bench, go_cpu_raw, "pprof/go-cpu.pb.gz", formats::Format::kPprof, true);
BENCHMARK_CAPTURE(read_bench, large_raw, "pprof/pprof-testdata/large.cpu", formats::Format::kPprof, true);
BENCHMARK_CAPTURE(read_bench, gperftools, "gperftools/gperftools-cpu.prof", formats::Format::kGperftoolsCpu,
                  false);
BENCHMARK_CAPTURE(write_bench, go_cpu_gz, "pprof/go-cpu.pb.gz", true);
BENCHMARK_CAPTURE(write_bench, go_cpu_raw, "pprof/go-cpu.pb.gz", false);
BENCHMARK_CAPTURE(write_bench, large_gz, "pprof/pprof-testdata/large.cpu", true);
BENCHMARK_CAPTURE(write_bench, large_raw, "pprof/pprof-testdata/large.cpu", false);

// N variations of go-cpu.pb.gz, as a fleet of short invocations would produce: a different two thirds of the
// samples each, scaled values, and (unless `plain`) a request id, thread ids and per-sample times, as the
// profiles lambdascope stores have.
int generate(const std::string& dir, int count, bool plain) {
  profile::Profile base = formats::read_profile_file(shared_data("pprof/go-cpu.pb.gz"));
  std::filesystem::create_directories(dir);
  for (int k = 0; k < count; ++k) {
    std::vector<uint32_t> keep;
    for (uint32_t i = 0; i < base.num_samples(); ++i)
      if ((i + static_cast<uint32_t>(k)) % 3 != 0) keep.push_back(i);
    profile::Profile p = profile::subset(base, keep);
    double scale = 1 + k % 5;
    for (double& v : p.samples.values) v *= scale;
    if (plain) {
      std::ofstream(fmt::format("{}/p{:04}.pb.gz", dir, k), std::ios::binary) << formats::write_pprof(p);
      continue;
    }
    profile::StringId key = p.intern("request_id"), id = p.intern(fmt::format("req-{:04}", k));
    profile::LabelSetId labels = p.label_sets.intern({{key, id, 0, 0}});
    int64_t t0 = 1700000000000000000 + int64_t{k} * 5000000000;
    for (size_t i = 0; i < p.num_samples(); ++i) {
      p.samples.labels[i] = labels;
      p.samples.time_ns[i] = t0 + static_cast<int64_t>(i) * 10000000;
      p.samples.tid[i] = 100 + static_cast<int32_t>(i % 4);
    }
    p.meta.time_nanos = t0;
    std::ofstream(fmt::format("{}/p{:04}.pb.gz", dir, k), std::ios::binary) << formats::write_pprof(p);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int count = 1000;
  bool plain = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--plain") == 0) plain = true;
    if (std::strncmp(argv[i], "--generate=", 11) == 0) dir = argv[i] + 11;
    if (std::strncmp(argv[i], "--count=", 8) == 0) count = std::atoi(argv[i] + 8);
  }
  if (!dir.empty()) return generate(dir, count, plain);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
