// `lambdascope flamegraph | heatmap | diff` as a user runs them: help, errors (exit 2, one line, no output
// file left behind), and the outputs from inferno's folded fixtures through the real folded reader: the same
// frames as inferno's SVGs, difffolded.pl's lines, pages whose payload decodes to the input's totals.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "formats/input_source.hpp"
#include "render/render_test_util.hpp"
#include "support/test_support.hpp"

namespace lambdascope::cli {
namespace {

using lambdascope::testing::binary_path;
using lambdascope::testing::CommandResult;
using lambdascope::testing::make_temp_dir;
using lambdascope::testing::run_command;
using lambdascope::testing::shared_data;

std::string fixture(const std::string& relative) {
  return lambdascope::testing::read_file(shared_data("folded/" + relative));
}

// The payload JSON of a page written by the CLI.
std::string page_payload(const std::string& html) {
  std::string marker = "data-encoding=\"gzip+base64\">";
  size_t start = html.find(marker);
  if (start == std::string::npos) return {};
  start += marker.size();
  std::string data = html.substr(start, html.find("</script>", start) - start);
  return formats::InputSource::from_memory("payload", render::test::base64_decode(data))->read_all();
}

using render::test::expect_same_frames;

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines = render::test::split(text, '\n');
  std::erase(lines, "");
  std::sort(lines.begin(), lines.end());
  return lines;
}

class RenderCommands : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path(name)) << content;
    return path(name);
  }
  CommandResult run(const std::string& args) const { return run_command(binary_path() + " " + args); }
  // The command failed as bad input must: exit 2, one line naming the problem (CLI11 adds "Run with --help"
  // to usage errors), no output file.
  void expect_rejected(const std::string& args, const std::string& message, const std::string& output) const {
    CommandResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    std::string first = r.err.substr(0, r.err.find('\n'));
    EXPECT_NE(first.find(message), std::string::npos) << r.err;
    std::string rest = r.err.substr(first.size());
    EXPECT_TRUE(rest == "\n" || rest == "\nRun with --help for more information.\n") << r.err;
    EXPECT_FALSE(std::filesystem::exists(output)) << output;
  }

  std::string dir_;
};

TEST_F(RenderCommands, HelpHasExamples) {
  for (const char* cmd : {"flamegraph", "heatmap", "diff"}) {
    CommandResult r = run(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("lambdascope " + std::string(cmd)), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("--only-pid"), std::string::npos) << cmd;  // the shared filters
  }
  CommandResult fg = run("flamegraph --help");
  for (const char* option :
       {"--title", "--subtitle", "--width", "--height", "--minwidth", "--colors", "--hash", "--countname",
        "--nametype", "--inverted", "--reverse", "--flamechart", "--negate", "--weight", "--output-format"})
    EXPECT_NE(fg.out.find(option), std::string::npos) << option;
  CommandResult diff = run("diff --help");
  for (const char* option : {"--normalize", "--absolute", "--folded", "--strip-hex", "--base-shape"})
    EXPECT_NE(diff.out.find(option), std::string::npos) << option;
  CommandResult heat = run("heatmap --help");
  for (const char* option : {"--rows", "--keep-idle", "--column-seconds", "--weight"})
    EXPECT_NE(heat.out.find(option), std::string::npos) << option;
}

TEST_F(RenderCommands, EmptyInputIsAnErrorWithNoOutput) {
  std::string empty = write("empty.txt", "");
  expect_rejected("flamegraph " + empty + " -o " + path("f.html"), "no samples", path("f.html"));
  expect_rejected("flamegraph " + empty + " -o " + path("f.svg"), "no samples", path("f.svg"));
  expect_rejected("heatmap " + empty + " -o " + path("h.html"), "no samples", path("h.html"));
  expect_rejected("diff " + empty + " " + empty + " -o " + path("d.html"), "no samples", path("d.html"));
}

TEST_F(RenderCommands, BadArgumentsExitTwo) {
  std::string empty = write("empty.txt", "");
  expect_rejected("flamegraph " + path("missing.txt") + " -o " + path("f.svg"), "missing.txt", path("f.svg"));
  expect_rejected("heatmap --rows 0 " + empty + " -o " + path("h.html"), "--rows", path("h.html"));
  expect_rejected("heatmap --rows -3 " + empty + " -o " + path("h.html"), "--rows", path("h.html"));
  expect_rejected("heatmap " + empty + " -o " + path("h.svg"), "HTML page", path("h.svg"));
  expect_rejected("flamegraph " + empty + " -o " + path("f.png"), "--output-format", path("f.png"));
  expect_rejected("flamegraph --colors chartreuse " + empty + " -o " + path("f.svg"), "--colors",
                  path("f.svg"));
  expect_rejected("diff " + empty + " -o " + path("d.svg"), "two inputs", path("d.svg"));
  expect_rejected("diff --normalize --absolute " + empty + " " + empty + " -o " + path("d.svg"), "--absolute",
                  path("d.svg"));
}

TEST_F(RenderCommands, SvgMatchesInfernosFrames) {
  const std::string dir = shared_data("folded/inferno-flamegraph-tests/");
  std::string unsorted = dir + "unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt";
  std::string want =
      fixture("inferno-flamegraph-tests/perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.svg");
  CommandResult r = run("flamegraph --hash " + unsorted + " -o " + path("a.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_frames(want, lambdascope::testing::read_file(path("a.svg")), false, true);

  // Several inputs are merged; stdout gets SVG.
  r = run("flamegraph --hash " + dir + "multiple-inputs/perf-vertx-stacks-01-collapsed-all-unsorted-1.txt " +
          dir + "multiple-inputs/perf-vertx-stacks-01-collapsed-all-unsorted-2.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_frames(want, r.out, false, true);

  r = run("flamegraph --hash --inverted " + unsorted + " -o " + path("i.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string icicle = lambdascope::testing::read_file(path("i.svg"));
  expect_same_frames(fixture("inferno-flamegraph-tests/inverted/inverted.svg"), icicle, true, true);
  EXPECT_NE(icicle.find(">Icicle Graph</text>"), std::string::npos);

  r = run("flamegraph --hash --reverse " + unsorted + " -o " + path("r.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_frames(fixture("inferno-flamegraph-tests/perf-vertx-stacks/"
                             "perf-vertx-stacks-01-collapsed-all-reversed-stacks.svg"),
                     lambdascope::testing::read_file(path("r.svg")), false, true);

  // inferno's flame chart reverses the lines; ours keeps input order as time order.
  std::vector<std::string> lines =
      render::test::split(fixture("inferno-flamegraph-tests/flamechart/flames.txt"), '\n');
  std::erase(lines, "");
  std::reverse(lines.begin(), lines.end());
  std::string reversed;
  for (const std::string& l : lines) reversed += l + "\n";
  r = run("flamegraph --hash --flamechart " + write("chart.txt", reversed) + " -o " + path("c.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string chart = lambdascope::testing::read_file(path("c.svg"));
  expect_same_frames(fixture("inferno-flamegraph-tests/flamechart/flame.svg"), chart, false, true);
  EXPECT_NE(chart.find(">Flame Chart</text>"), std::string::npos);
}

TEST_F(RenderCommands, TwoCountFoldedIsADifferentialGraph) {
  std::string input = shared_data(
      "folded/inferno-flamegraph-tests/differential/perf-cycles-instructions-01-collapsed-all-diff.txt");
  CommandResult r = run("flamegraph " + input + " -o " + path("d.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_frames(fixture("inferno-flamegraph-tests/differential/diff.svg"),
                     lambdascope::testing::read_file(path("d.svg")), false, true);
  r = run("flamegraph --negate " + input + " -o " + path("n.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_same_frames(fixture("inferno-flamegraph-tests/differential/diff-negated.svg"),
                     lambdascope::testing::read_file(path("n.svg")), false, true);
  // As a page: the diff page, base and new from the two columns.
  r = run("flamegraph " + input + " -o " + path("d.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element j = parser.parse(page_payload(lambdascope::testing::read_file(path("d.html"))));
  EXPECT_EQ(std::string_view(j["page"]), "diff");
  EXPECT_EQ(j["profiles"].get_array().size(), 2u);
}

TEST_F(RenderCommands, DiffFoldedMatchesInfernosDiffFolded) {
  const std::string dir = shared_data("folded/inferno-diff-folded-tests/");
  auto diff = [&](const std::string& flags, const std::string& before) {
    CommandResult r = run("diff --folded " + flags + " " + dir + before + " " + dir + "after.txt");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return sorted_lines(r.out);
  };
  EXPECT_EQ(diff("--absolute", "before.txt"),
            sorted_lines(fixture("inferno-diff-folded-tests/results/default.txt")));
  EXPECT_EQ(diff("", "before.txt"), sorted_lines(fixture("inferno-diff-folded-tests/results/normalize.txt")));
  EXPECT_EQ(diff("--normalize", "before.txt"),
            sorted_lines(fixture("inferno-diff-folded-tests/results/normalize.txt")));
  EXPECT_EQ(diff("--absolute --strip-hex", "before.txt"),
            sorted_lines(fixture("inferno-diff-folded-tests/results/strip_hex.txt")));
  // The line without a count is warned about and skipped.
  CommandResult r =
      run("diff --folded --absolute " + dir + "bad_before.txt " + dir + "after.txt -o " + path("x"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
}

TEST_F(RenderCommands, PagesCarryTheInputsTotals) {
  std::string input = shared_data("perf-script/inferno-tests/results/example-perf-stacks-collapsed.txt");
  CommandResult r = run("flamegraph " + input + " -o " + path("f.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = lambdascope::testing::read_file(path("f.html"));
  EXPECT_NE(html.find("<title>Flame graph: example-perf-stacks-collapsed.txt</title>"), std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element j = parser.parse(page_payload(html));
  EXPECT_EQ(std::string_view(j["page"]), "flamegraph");
  simdjson::dom::element prof = j["profiles"].at(0);
  EXPECT_EQ(std::string_view(prof["meta"]["attributes"]["input"]), input);
  double total = 0;
  for (auto v : prof["samples"]["values"].at(0).get_array()) total += double(v);
  EXPECT_EQ(total, 1315);  // example-perf-stacks: 1,315 samples

  // Diff pages: both profiles, normalization as asked.
  std::string base = write("base.folded", "main;a 10\nmain;b 5\n");
  std::string next = write("new.folded", "main;a 2\nmain;c 7\n");
  r = run("diff --absolute " + base + " " + next + " -o " + path("d.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser2;
  simdjson::dom::element d = parser2.parse(page_payload(lambdascope::testing::read_file(path("d.html"))));
  EXPECT_EQ(std::string_view(d["page"]), "diff");
  EXPECT_FALSE(bool(d["options"]["diff_normalize"]));
  EXPECT_EQ(std::string_view(d["profiles"].at(0)["meta"]["attributes"]["input"]), base);
  EXPECT_EQ(std::string_view(d["profiles"].at(1)["meta"]["attributes"]["input"]), next);
  r = run("diff " + base + " " + next + " -o " + path("d.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto frames = render::test::svg_frames(lambdascope::testing::read_file(path("d.svg")), false);
  ASSERT_EQ(frames.size(), 4u);  // all, main, a, c: b vanished
  EXPECT_EQ(frames[3].name, "c");
  EXPECT_EQ(frames[3].fill, "rgb(255,100,100)");  // only in NEW: the largest growth
  r = run("diff --base-shape " + base + " " + next + " -o " + path("b.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  frames = render::test::svg_frames(lambdascope::testing::read_file(path("b.svg")), false);
  ASSERT_EQ(frames.size(), 4u);  // all, main, a, b: BASE's shape shows what vanished
  EXPECT_EQ(frames[3].name, "b");
  EXPECT_EQ(frames[3].fill.substr(0, 4), "rgb(");
  EXPECT_TRUE(frames[3].fill.ends_with(",255)")) << frames[3].fill;  // shrank: blue
}

TEST_F(RenderCommands, HostileNamesStayText) {
  std::string input = write("hostile.folded", "app;</script><script>alert(1)</script>;<b>&amp; 3\n");
  CommandResult r = run("flamegraph " + input + " -o " + path("h.html"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string html = lambdascope::testing::read_file(path("h.html"));
  size_t closes = 0;
  for (size_t pos = 0; (pos = html.find("</script", pos)) != std::string::npos; ++pos) ++closes;
  EXPECT_EQ(closes, 2u);  // the payload's and the bundle's
  EXPECT_NE(page_payload(html).find("alert(1)"), std::string::npos);
  r = run("flamegraph " + input + " -o " + path("h.svg"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string svg = lambdascope::testing::read_file(path("h.svg"));
  EXPECT_EQ(svg.find("<script>alert"), std::string::npos);
  EXPECT_NE(svg.find("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(RenderCommands, HeatmapNeedsTimes) {
  std::string input = write("untimed.folded", "main;a 3\n");
  expect_rejected("heatmap " + input + " -o " + path("h.html"), "timestamp", path("h.html"));
}

}  // namespace
}  // namespace lambdascope::cli
