#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "formats/input_source.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "support/test_support.hpp"

namespace lambdascope::formats {
namespace {

using testing::read_file;
using testing::shared_data;

profile::Profile read_text(const std::string& text, ReadOptions o = {},
                           std::vector<std::string>* warnings = nullptr) {
  if (warnings) o.warn = [warnings](const std::string& w) { warnings->push_back(w); };
  auto in = InputSource::from_memory("mem.folded", text);
  o.format = Format::kFolded;
  return read_profile(*in, o);
}

profile::Profile read_shared(const std::string& rel, ReadOptions o = {}) {
  return read_profile_file(shared_data(rel), o);
}

std::string sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(FoldedReader, SimpleStacksAndTotals) {
  profile::Profile p = read_shared("folded/speedscope-samples/simple.txt");
  EXPECT_EQ(p.meta.sample_types.size(), 1u);
  EXPECT_EQ(p.total(0), 14);  // 1 + 1 + 4 + 3 + 5
  EXPECT_EQ(write_folded(p), "a;b 5\na;b;c 5\na;b;d 4\n");
}

TEST(FoldedReader, CrlfAndUtf16GiveTheSameProfile) {
  std::string expected = write_folded(read_shared("folded/speedscope-samples/simple.txt"));
  EXPECT_EQ(write_folded(read_shared("folded/speedscope-samples/simple-crlf.txt")), expected);
  EXPECT_EQ(write_folded(read_shared("folded/speedscope-samples/simple-utf16-le.txt")), expected);
  EXPECT_EQ(write_folded(read_shared("folded/speedscope-samples/simple-utf16-be.txt")), expected);
}

TEST(FoldedReader, InvalidLinesWarnAndAreSkipped) {
  std::vector<std::string> warnings;
  profile::Profile p =
      read_text(read_file(shared_data("folded/speedscope-samples/simple-with-invalids.txt")), {}, &warnings);
  EXPECT_EQ(p.total(0), 14);
  ASSERT_EQ(warnings.size(), 2u);  // "// some other comment" and "invalid line"; '#' lines are comments
  EXPECT_NE(warnings[0].find("mem.folded:2:"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("invalid line"), std::string::npos);
}

TEST(FoldedReader, BadLinesFixtureOfInferno) {
  std::vector<std::string> warnings;
  profile::Profile p = read_text(
      read_file(shared_data("folded/inferno-flamegraph-tests/bad-lines/bad-lines.txt")), {}, &warnings);
  EXPECT_EQ(warnings.size(), 2u);
  EXPECT_EQ(p.total(0), 31 + 6 + 1 + 19 + 2 + 274 + 274);
  EXPECT_NE(write_folded(p).find("noploop;main 548\n"), std::string::npos);
}

TEST(FoldedReader, FractionalCounts) {
  profile::Profile p = read_shared("folded/inferno-flamegraph-tests/fractional-samples/fractional.txt");
  std::string out = write_folded(p);
  EXPECT_NE(out.find("noploop;main 274.321\n"), std::string::npos) << out;
  EXPECT_NE(out.find("cksum;cksum 6.1\n"), std::string::npos);
  EXPECT_NEAR(p.total(0), 31.23 + 6.1 + 1.4 + 19.0 + 2.567 + 274.321, 1e-9);
  EXPECT_EQ(read_text("a;b 12.\n").total(0), 12);
  EXPECT_THROW(read_text("a;b 1.2.3\n"), ParseError) << "two dots is not a count";
}

TEST(FoldedReader, SpacesInsideFrameNames) {
  profile::Profile p = read_shared("folded/inferno-flamegraph-tests/fractional-samples/tricky-stack.txt");
  ASSERT_EQ(p.num_samples(), 1u);
  auto frames = p.stacks.frames_root_first(p.samples.stack[0]);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(p.frame_name(frames[1]), "<alloc::vec::Vec<T> as alloc::vec::SpecExtend<T, I>>::from_iter");
}

TEST(FoldedReader, TwoCountDifferentialLines) {
  profile::Profile p = read_shared(
      "folded/inferno-flamegraph-tests/differential/perf-cycles-instructions-01-collapsed-all-diff.txt");
  ASSERT_EQ(p.num_values(), 2u);
  EXPECT_EQ(p.meta.sample_types[0].type, "base");
  EXPECT_EQ(p.total(0), 31 + 6 + 1 + 19 + 2 + 274);
  EXPECT_EQ(p.total(1), 56 + 2 + 3 + 35 + 2 + 415);
  // A one-count line before the first two-count line counts the same on both sides.
  profile::Profile mixed = read_text("a;b 3\na;c 1 2\n");
  ASSERT_EQ(mixed.num_values(), 2u);
  EXPECT_EQ(mixed.total(0), 4);
  EXPECT_EQ(mixed.total(1), 5);
  EXPECT_EQ(write_folded_diff(mixed), "a;b 3 3\na;c 1 2\n");
}

TEST(FoldedReader, AnnotationsSetKindAndAreNotDoubled) {
  profile::Profile p = read_text("app;main;sys_read_[k] 2\napp;Ljava/Foo;::bar_[j] 1\napp;f_[i] 1\n");
  std::string out;
  for (profile::FrameId f = 0; f < p.frames.size(); ++f)
    out += std::string(p.frame_name(f)) + "=" + std::string(frame_kind_name(p.frames[f].kind)) + " ";
  EXPECT_NE(out.find("sys_read_[k]=kernel"), std::string::npos) << out;
  EXPECT_NE(out.find("::bar_[j]=jit"), std::string::npos) << out;
  EXPECT_NE(out.find("f_[i]=inlined"), std::string::npos) << out;
  FoldedWriteOptions all;
  all.annotate_kernel = all.annotate_jit = all.annotate_inlined = true;
  EXPECT_EQ(write_folded(p, all), write_folded(p));
}

TEST(FoldedReader, InputOrderDoesNotChangeTheFoldedOutput) {
  std::string text = read_file(shared_data(
      "folded/inferno-flamegraph-tests/unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt"));
  std::string out = write_folded(read_text(text));
  EXPECT_EQ(out, write_folded(read_text(sorted_lines(text))));
  EXPECT_EQ(out, sorted_lines(out));
  double total = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) total += std::stod(l.substr(l.rfind(' ') + 1));
  EXPECT_EQ(read_text(text).total(0), total);
}

TEST(FoldedReader, RoundTripsStackcollapseOutput) {
  std::string text =
      read_file(shared_data("perf-script/flamegraph-tests/results/perf-vertx-stacks-01-collapsed-all.txt"));
  ReadOptions agg;
  agg.aggregate = true;
  EXPECT_EQ(write_folded(read_text(text)), sorted_lines(text));
  EXPECT_EQ(write_folded(read_text(text, agg)), sorted_lines(text));
}

TEST(FoldedReader, KeepsInputOrderWhenNotAggregating) {
  profile::Profile p = read_text("b 1\na 2\nb 3\n");
  ASSERT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.frame_name(p.stacks.frame(p.samples.stack[0])), "b");
  EXPECT_EQ(p.value(2, 0), 3);
}

TEST(FoldedReader, NoStackLineAtAllIsAnError) {
  try {
    read_text("hello world\nnot a stack\n");
    FAIL() << "expected ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("mem.folded:1: expected folded stacks", 0), 0u) << e.what();
  }
}

TEST(FoldedReader, EmptyAndCommentOnlyInputsAreEmptyProfiles) {
  EXPECT_EQ(read_text("").num_samples(), 0u);
  EXPECT_EQ(read_text("# nothing here\n\n").num_samples(), 0u);
  EXPECT_EQ(read_shared("folded/inferno-flamegraph-tests/empty/empty.txt").num_samples(), 0u);
}

}  // namespace
}  // namespace lambdascope::formats
