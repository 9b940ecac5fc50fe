#include <gtest/gtest.h>

#include <filesystem>

#include "formats/format.hpp"
#include "formats/input_source.hpp"
#include "support/test_support.hpp"

namespace lambdascope::formats {
namespace {

namespace fs = std::filesystem;

Format sniff_file(const fs::path& p) {
  auto in = InputSource::open(p.string());
  return sniff(in->peek(64 * 1024));
}

// Every file of a folder (recursively, skipping expected-output folders) is sniffed as `want`.
void expect_folder(const std::string& rel, Format want, const std::vector<std::string>& skip = {}) {
  fs::path root = testing::shared_data(rel);
  int checked = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || fs::file_size(e.path()) == 0) continue;
    std::string s = e.path().string();
    bool expected_outputs = s.find("/results/") != std::string::npos && !rel.ends_with("results");
    if (expected_outputs || s.ends_with(".string") || s.ends_with(".svg") || s.ends_with(".map")) continue;
    bool skipped = false;
    for (const auto& k : skip) skipped = skipped || s.find(k) != std::string::npos;
    if (skipped) continue;
    EXPECT_EQ(format_name(sniff_file(e.path())), format_name(want)) << s;
    ++checked;
  }
  EXPECT_GT(checked, 0) << rel;
}

TEST(Sniff, PerfScriptFiles) {
  expect_folder("perf-script", Format::kPerfScript);
}
TEST(Sniff, FoldedFiles) {
  expect_folder("folded", Format::kFolded);
  expect_folder("perf-script/flamegraph-tests/results", Format::kFolded);
}
TEST(Sniff, PprofFiles) {
  EXPECT_EQ(sniff_file(testing::shared_data("pprof/go-cpu.pb.gz")), Format::kPprof);
  EXPECT_EQ(sniff_file(testing::shared_data("pprof/speedscope-samples/simple.prof")), Format::kPprof);
}
TEST(Sniff, GperftoolsFile) {
  EXPECT_EQ(sniff_file(testing::shared_data("gperftools/gperftools-cpu.prof")), Format::kGperftoolsCpu);
}
TEST(Sniff, JsonFormats) {
  expect_folder("cpuprofile/speedscope-samples", Format::kCpuProfile);
  EXPECT_EQ(sniff_file(testing::shared_data("cpuprofile/node-busy.cpuprofile")), Format::kCpuProfile);
  expect_folder("cpuprofile/chrome-trace", Format::kChromeTrace);
  expect_folder("speedscope/speedscope-samples", Format::kSpeedscope, {"/invalid/"});
}
TEST(Sniff, GarbageIsUnknown) {
  std::string garbage = "\x01\x02\x03\xff\xfe\x00garbage";
  EXPECT_EQ(sniff(garbage.substr(2)), Format::kUnknown);
  EXPECT_EQ(sniff(std::string("\x7f"
                              "ELF\x02\x01\x01\x00\x00\x00",
                              10)),
            Format::kUnknown);
}

}  // namespace
}  // namespace lambdascope::formats
