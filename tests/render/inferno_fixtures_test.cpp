// Our SVG flame graphs against inferno's (../shared/data/folded/inferno-flamegraph-tests), for the options
// both tools have: the same frames (names), widths and positions in samples (fg:x, fg:w), depths, and where
// the color is a function of the name (--hash, the default FNV colors, differential colors) the same colors.
// Structure, not bytes: the markup and the script differ on purpose. Inputs go through the folded reader.
//
// inferno cases not compared, and why:
// - factor/ (--factor), options/colordiffusion, options/font_type_*, options/search_color,
//   options/stroke_color, options/uicolor_color, options/truncate-right, nameattr/, base/ (--base): options
//   we do not offer.
// - fractional-samples/: inferno truncates fractional counts to integers; we keep them exact
// (FractionalCounts
//   below checks that).
// - palette-map/ and example-perf-stacks/ colors come from a palette.map file we do not read; their structure
//   is compared.
// - options/name_type_* and notes: the name type lives in inferno's script, which the fixtures leave out.
// - empty/ and bad-lines/ are reader behaviour (an empty input is an error in both; see the CLI tests).
// - One frame of perf-vertx: a line ending in "; 3" has a last frame " " for flamegraph.pl and our reader, ""
//   for inferno (test::expect_same_frames skips that frame's name and color).
#include <gtest/gtest.h>

#include <map>

#include "profile/merge.hpp"
#include "render/flame_layout.hpp"
#include "render/render_test_util.hpp"
#include "render/svg_writer.hpp"
#include "support/test_support.hpp"

namespace lambdascope::render {
namespace {

using test::SvgFrame;

const std::string kDir = "folded/inferno-flamegraph-tests/";

std::string fixture(const std::string& relative) {
  return lambdascope::testing::read_file(lambdascope::testing::shared_data(kDir + relative));
}
std::string collapsed(const std::string& name) {
  return lambdascope::testing::read_file(
      lambdascope::testing::shared_data("perf-script/flamegraph-tests/results/" + name));
}

struct Render {
  FlameLayoutOptions layout;
  SvgOptions svg;
};

// inferno's defaults: --minwidth 0.01 (percent), value = the last count column.
std::string render(const profile::Profile& p, Render r) {
  if (p.num_values() == 2) {
    r.layout.value_index = 1;
    r.layout.base_index = 0;
  }
  r.layout.min_width = p.total(r.layout.value_index) * 0.0001;
  FlameLayout layout = layout_flame_graph(p, r.layout);
  return write_flame_svg(p, layout, r.svg);
}

using test::expect_same_frames;

std::string gradient(const std::string& svg) {
  std::string out;
  for (size_t pos = 0; (pos = svg.find("stop-color=\"", pos)) != std::string::npos; pos += 12)
    out += svg.substr(pos + 12, 7) + " ";
  return out;
}

TEST(InfernoFixtures, SortedOrUnsortedInputSameGraph) {
  Render r;
  r.svg.hash = true;
  std::string want = fixture("perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.svg");
  profile::Profile unsorted =
      test::parse_folded(fixture("unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt"));
  expect_same_frames(want, render(unsorted, r), false, true);
  std::vector<std::string> lines =
      test::split(fixture("unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt"), '\n');
  std::sort(lines.begin(), lines.end());
  std::string sorted;
  for (const std::string& l : lines) sorted += l + "\n";
  expect_same_frames(want, render(test::parse_folded(sorted), r), false, true);
}

TEST(InfernoFixtures, SeveralInputsMerged) {
  Render r;
  r.svg.hash = true;
  profile::Profile a =
      test::parse_folded(fixture("multiple-inputs/perf-vertx-stacks-01-collapsed-all-unsorted-1.txt"));
  profile::Profile b =
      test::parse_folded(fixture("multiple-inputs/perf-vertx-stacks-01-collapsed-all-unsorted-2.txt"));
  const profile::Profile* inputs[] = {&a, &b};
  profile::Profile merged = profile::merge(inputs);
  expect_same_frames(fixture("perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all.svg"), render(merged, r),
                     false, true);
}

TEST(InfernoFixtures, Inverted) {
  Render r;
  r.svg.hash = true;
  r.svg.inverted = true;
  r.svg.title = "Icicle Graph";
  profile::Profile p =
      test::parse_folded(fixture("unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt"));
  std::string ours = render(p, r);
  expect_same_frames(fixture("inverted/inverted.svg"), ours, true, true);
  EXPECT_NE(ours.find(">Icicle Graph</text>"), std::string::npos);
}

TEST(InfernoFixtures, ReversedStacks) {
  Render r;
  r.svg.hash = true;
  r.layout.reverse = true;
  profile::Profile p =
      test::parse_folded(fixture("unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt"));
  expect_same_frames(fixture("perf-vertx-stacks/perf-vertx-stacks-01-collapsed-all-reversed-stacks.svg"),
                     render(p, r), false, true);
}

TEST(InfernoFixtures, FlameChart) {
  // inferno's --flamechart reverses the input lines ("so time moves from left to right"); we keep input order
  // as time order, so the lines are fed reversed to draw the same chart.
  Render r;
  r.svg.hash = true;
  r.layout.flamechart = true;
  profile::Profile p = test::parse_folded(fixture("flamechart/flames.txt"), /*reverse_lines=*/true);
  expect_same_frames(fixture("flamechart/flame.svg"), render(p, r), false, true);
}

TEST(InfernoFixtures, Differential) {
  Render r;
  profile::Profile p =
      test::parse_folded(fixture("differential/perf-cycles-instructions-01-collapsed-all-diff.txt"));
  ASSERT_EQ(p.num_values(), 2u);
  expect_same_frames(fixture("differential/diff.svg"), render(p, r), false, true);
  expect_same_frames(fixture("options/default.svg"), render(p, r), false, true);
  r.svg.negate = true;
  expect_same_frames(fixture("differential/diff-negated.svg"), render(p, r), false, true);
}

TEST(InfernoFixtures, DefaultColorsComeFromTheName) {
  // inferno --deterministic is FNV-1a of the name; our default coloring is the same, never random.
  Render r;
  profile::Profile p = test::parse_folded(fixture("colors/async-profiler-collapsed-part.txt"));
  expect_same_frames(fixture("colors/deterministic.svg"), render(p, r), false, true);
}

TEST(InfernoFixtures, JavaPalette) {
  Render r;
  r.svg.hash = true;
  r.svg.palette = Palette::kJava;
  profile::Profile p = test::parse_folded(fixture("colors/async-profiler-collapsed-part.txt"));
  expect_same_frames(fixture("colors/async-profiler-java.svg"), render(p, r), false, true);

  // colors/java.svg was drawn from an older perf-java-stacks-01-collapsed-all.txt; the one in the shared
  // data, regenerated by today's stackcollapse-perf.pl, has one sample fewer (45, not 46), so positions
  // differ. Colors depend on names only: every name must get inferno's color.
  r.svg.background = std::pair<std::string, std::string>("#eeeeee", "#e0e0ff");  // --bgcolors blue
  profile::Profile java = test::parse_folded(collapsed("perf-java-stacks-01-collapsed-all.txt"));
  std::string want = fixture("colors/java.svg");
  std::string ours = render(java, r);
  std::map<std::string, std::string> want_fill;
  for (const SvgFrame& f : test::svg_frames(want, false)) want_fill[f.name] = f.fill;
  size_t compared = 0;
  for (const SvgFrame& f : test::svg_frames(ours, false)) {
    if (!want_fill.count(f.name)) continue;
    EXPECT_EQ(f.fill, want_fill[f.name]) << f.name;
    ++compared;
  }
  EXPECT_GT(compared, 100u);
  EXPECT_EQ(gradient(ours), gradient(want));
}

TEST(InfernoFixtures, JsPalette) {
  Render r;
  r.svg.hash = true;
  r.svg.palette = Palette::kJs;
  r.svg.background = std::pair<std::string, std::string>("#eef2ee", "#e0ffe0");  // --bgcolors green
  profile::Profile p = test::parse_folded(collapsed("perf-js-stacks-01-collapsed-all.txt"));
  std::string want = fixture("colors/js.svg");
  std::string ours = render(p, r);
  expect_same_frames(want, ours, false, true);
  EXPECT_EQ(gradient(ours), gradient(want));
}

TEST(InfernoFixtures, GreyFramesAndNarrowBlocks) {
  Render r;
  r.svg.hash = true;
  expect_same_frames(fixture("grey-frames/grey-frames.svg"),
                     render(test::parse_folded(fixture("grey-frames/grey-frames.txt")), r), false, true);
  std::string narrow = fixture("narrow-blocks/narrow-blocks.svg");
  std::string ours = render(test::parse_folded(fixture("narrow-blocks/narrow-blocks.txt")), r);
  expect_same_frames(narrow, ours, false, true);
  // The fixture exists to show pruning: the one-sample kernel path is too narrow at 0.01%.
  EXPECT_EQ(ours.find("ext4_file_read_iter"), std::string::npos);
}

TEST(InfernoFixtures, StructureWhereColorsComeFromAPaletteFile) {
  Render r;
  r.svg.hash = true;
  profile::Profile vertx =
      test::parse_folded(fixture("unsorted-input/perf-vertx-stacks-01-collapsed-all-unsorted.txt"));
  expect_same_frames(fixture("palette-map/consistent-palette.svg"), render(vertx, r), false, false);
  profile::Profile example =
      test::parse_folded(lambdascope::testing::read_file(lambdascope::testing::shared_data(
          "perf-script/inferno-tests/results/example-perf-stacks-collapsed.txt")));
  expect_same_frames(fixture("example-perf-stacks/example-perf-stacks.svg"), render(example, r), false,
                     false);
  expect_same_frames(fixture("austin/flame.svg"), render(test::parse_folded(fixture("austin/flames.txt")), r),
                     false, false);
}

TEST(InfernoFixtures, TitleSubtitleAndCountName) {
  profile::Profile p =
      test::parse_folded(fixture("differential/perf-cycles-instructions-01-collapsed-all-diff.txt"));
  auto text_of = [](const std::string& svg, const std::string& id) {
    size_t pos = svg.find("id=\"" + id + "\"");
    if (pos == std::string::npos) return std::string("(missing)");
    size_t start = svg.find('>', pos) + 1;
    return test::xml_unescape(svg.substr(start, svg.find("</text>", start) - start));
  };
  Render r;
  r.svg.title = "Test <& ' \"";
  EXPECT_EQ(text_of(render(p, r), "title"), text_of(fixture("options/title_with_symbols.svg"), "title"));
  r.svg.title = "Flame Graph";
  r.svg.subtitle = "Test Subtitle <& ' \"";
  EXPECT_EQ(text_of(render(p, r), "subtitle"),
            text_of(fixture("options/subtitle_with_symbols.svg"), "subtitle"));
  r.svg.subtitle.clear();
  r.svg.count_name = "test-samples <& ' \"";
  // The count name is in every frame's title.
  expect_same_frames(fixture("options/count_name_with_symbols.svg"), render(p, r), false, true);
}

TEST(InfernoFixtures, FractionalCounts) {
  // inferno truncates 31.23 to 31; we keep fractional weights (folded counts, normalized diffs) exact.
  profile::Profile p = test::parse_folded(fixture("fractional-samples/fractional.txt"));
  FlameLayout layout = layout_flame_graph(p, {});
  EXPECT_DOUBLE_EQ(layout.total, 31.23 + 6.1 + 1.4 + 19.0 + 2.567 + 274.321);
  std::string svg = write_flame_svg(p, layout, {});
  EXPECT_NE(svg.find("noploop (276.89 samples"), std::string::npos);
}

}  // namespace
}  // namespace lambdascope::render
