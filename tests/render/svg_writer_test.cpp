#include "render/svg_writer.hpp"

#include <gtest/gtest.h>

#include "render/embedded_files.hpp"
#include "render/render_test_util.hpp"

namespace lambdascope::render {
namespace {

using test::make_profile;

std::string svg_of(const profile::Profile& p, SvgOptions o = {}, FlameLayoutOptions lo = {}) {
  return write_flame_svg(p, layout_flame_graph(p, lo), o);
}

// Outside the script's CDATA section, '<' only opens tags and '&' only starts entities.
void expect_well_formed_text(const std::string& svg) {
  size_t cdata = svg.find("<![CDATA[");
  size_t cdata_end = svg.find("]]>");
  ASSERT_NE(cdata, std::string::npos);
  std::string outside = svg.substr(0, cdata) + svg.substr(cdata_end + 3);
  for (size_t i = 0; i < outside.size(); ++i) {
    if (outside[i] == '<') {
      char c = outside[i + 1];
      EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(c)) || c == '/' || c == '?' || c == '!')
          << outside.substr(i, 40);
    }
    if (outside[i] == '&') {
      std::string_view rest(outside.data() + i, std::min<size_t>(7, outside.size() - i));
      EXPECT_TRUE(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;") ||
                  rest.starts_with("&quot;") || rest.starts_with("&apos;"))
          << outside.substr(i, 20);
    }
  }
}

TEST(SvgWriter, EscapesUntrustedNames) {
  profile::Profile p =
      make_profile({{"main;</text><script>alert(1)</script>;a&b \"q\" 'r';\x01\xFF", 0}}, "<comm>");
  std::string svg = svg_of(p);
  expect_well_formed_text(svg);
  EXPECT_EQ(svg.find("<script>alert"), std::string::npos);
  EXPECT_NE(svg.find("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("a&amp;b &quot;q&quot; &apos;r&apos;"), std::string::npos);
  EXPECT_NE(svg.find("\xEF\xBF\xBD\xEF\xBF\xBD (1 samples"), std::string::npos);  // \x01 and \xFF replaced
  EXPECT_NE(svg.find("&lt;comm&gt;"), std::string::npos);
}

TEST(SvgWriter, TitlesAndOptionsAreEscaped) {
  profile::Profile p = make_profile({{"a", 0}});
  SvgOptions o;
  o.title = "T <&>";
  o.subtitle = "S \"'";
  o.notes = "n -- <!-- -->";
  o.count_name = "c<>";
  o.name_type = "F\"";
  std::string svg = svg_of(p, o);
  expect_well_formed_text(svg);
  EXPECT_NE(svg.find(">T &lt;&amp;&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">S &quot;&apos;</text>"), std::string::npos);
  EXPECT_NE(svg.find("(1 c&lt;&gt;, 100.00%)"), std::string::npos);
  EXPECT_NE(svg.find("fg:nametype=\"F&quot;\""), std::string::npos);
  // A comment cannot contain "--".
  size_t notes = svg.find("<!-- NOTES: ");
  ASSERT_NE(notes, std::string::npos);
  std::string comment = svg.substr(notes + 4, svg.find("-->", notes) - notes - 4);
  EXPECT_EQ(comment.find("--"), std::string::npos);
}

TEST(SvgWriter, FramesCarryTheirGeometry) {
  profile::Profile p =
      make_profile({{"main;f", 0}, {"main;f", 0}, {"main;g", 0}, {"other", 0}}, "", {1, 2, 1000, 1});
  std::string svg = svg_of(p);
  auto frames = test::svg_frames(svg, false);
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[0].title, "all (1,004 samples, 100%)");
  EXPECT_EQ(frames[1].name, "main");
  EXPECT_EQ(frames[1].w, 1003);
  EXPECT_EQ(frames[1].depth, 1);
  EXPECT_EQ(frames[3].name, "f");
  EXPECT_EQ(frames[3].x, 0);
  EXPECT_EQ(frames[3].w, 3);
  EXPECT_EQ(frames[3].title, "f (3 samples, 0.30%)");
  EXPECT_EQ(frames[4].name, "g");
  EXPECT_EQ(frames[4].x, 3);
  EXPECT_EQ(frames[4].depth, 2);
  // Wide enough frames show their name, narrow ones are truncated with "..", tiny ones show nothing.
  EXPECT_NE(svg.find(">main</text>"), std::string::npos);
  size_t f = svg.find("fg:w=\"3\"/><text x=\"0.2542%\"");  // 3 px from the frame's left edge
  ASSERT_NE(f, std::string::npos);
  EXPECT_EQ(svg.substr(svg.find('>', f + 20), 8), "></text>");  // 3.5 px wide: no room for a label
}

TEST(SvgWriter, LongNamesAreTruncatedOnCharacterBoundaries) {
  std::string name;
  for (int i = 0; i < 400; ++i) name += "\xC3\xA9";  // é
  profile::Profile p = make_profile({{name, 0}});
  std::string svg = svg_of(p);
  size_t text = svg.rfind("<text");
  std::string label = svg.substr(svg.find('>', text) + 1);
  label = label.substr(0, label.find("</text>"));
  // 1180 px / (12 px · 0.59) = 166 characters fit: 164 and "..".
  EXPECT_EQ(label.size(), 164u * 2 + 2);
  EXPECT_TRUE(label.ends_with("\xC3\xA9.."));
}

TEST(SvgWriter, InvertedAndDifferential) {
  profile::Profile p = test::parse_folded("a;b 10 20\na;c 5 1\n");
  FlameLayoutOptions lo;
  lo.value_index = 1;
  lo.base_index = 0;
  SvgOptions o;
  o.inverted = true;
  std::string svg = svg_of(p, o, lo);
  auto frames = test::svg_frames(svg, true);
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[2].title, "b (20 samples, 95.24%; +47.62%)");
  EXPECT_EQ(frames[2].fill, "rgb(255,100,100)");
  EXPECT_EQ(frames[3].title, "c (1 samples, 4.76%; -19.05%)");
  EXPECT_EQ(frames[3].fill, "rgb(190,190,255)");  // -4 of at most 10: 100 + 150 * 6 / 10
  EXPECT_EQ(frames[1].title, "a (21 samples, 100.00%; 0.00%)");
  EXPECT_GT(frames[2].y, frames[1].y);  // icicle: callees below
  o.negate = true;
  frames = test::svg_frames(svg_of(p, o, lo), true);
  EXPECT_EQ(frames[2].title, "b (20 samples, 95.24%; -47.62%)");
  EXPECT_EQ(frames[2].fill, "rgb(100,100,255)");
}

TEST(SvgWriter, EmbedsTheInteractiveScript) {
  profile::Profile p = make_profile({{"a", 0}});
  std::string svg = svg_of(p);
  EXPECT_NE(svg.find("onload=\"init(evt)\""), std::string::npos);
  EXPECT_NE(svg.find("function ls_zoom("), std::string::npos);
  EXPECT_NE(svg.find("Matched: "), std::string::npos);
  EXPECT_EQ(flame_graph_svg_script().find("]]>"), std::string_view::npos);
  for (const char* id :
       {"id=\"frames\"", "id=\"details\"", "id=\"unzoom\"", "id=\"search\"", "id=\"matched\""})
    EXPECT_NE(svg.find(id), std::string::npos) << id;
}

TEST(SvgWriter, RejectsNonsensicalSizes) {
  profile::Profile p = make_profile({{"a", 0}});
  SvgOptions o;
  o.width = 10;
  EXPECT_THROW(svg_of(p, o), std::invalid_argument);
  o = {};
  o.frame_height = 0;
  EXPECT_THROW(svg_of(p, o), std::invalid_argument);
}

TEST(DisplayName, RemovesAnnotations) {
  EXPECT_EQ(display_name("read_[k]"), "read");
  EXPECT_EQ(display_name("x_[w]"), "x");
  EXPECT_EQ(display_name("x_[z]"), "x_[z]");
  EXPECT_EQ(display_name("[k]"), "[k]");
}

}  // namespace
}  // namespace lambdascope::render
