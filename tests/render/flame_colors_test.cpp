#include "render/flame_colors.hpp"

#include <gtest/gtest.h>

namespace lambdascope::render {
namespace {

Palette hue(Palette multi, std::string_view name) {
  // A language palette's choice shows as the plain palette giving the same color for the same values.
  Rgb got = frame_color(multi, true, name);
  for (Palette plain : {Palette::kRed, Palette::kGreen, Palette::kBlue, Palette::kAqua, Palette::kYellow,
                        Palette::kPurple, Palette::kOrange})
    if (frame_color(plain, true, name) == got) return plain;
  return Palette::kHot;
}

TEST(FlameColors, PaletteNamesRoundTrip) {
  for (std::string_view name : palette_names()) {
    Palette p;
    ASSERT_TRUE(parse_palette(name, &p)) << name;
    EXPECT_EQ(palette_names()[static_cast<size_t>(p)], name);
  }
  Palette p;
  EXPECT_FALSE(parse_palette("chain", &p));
}

TEST(FlameColors, HotPaletteRanges) {
  for (const char* name : {"main", "a", "", "do_syscall_64", "\xFF\xFE"}) {
    for (bool hash : {false, true}) {
      Rgb c = frame_color(Palette::kHot, hash, name);
      EXPECT_GE(c.r, 205);
      EXPECT_LE(c.g, 230);
      EXPECT_LE(c.b, 55);
    }
  }
}

TEST(FlameColors, ColorsDependOnlyOnTheName) {
  EXPECT_EQ(frame_color(Palette::kHot, false, "main"), frame_color(Palette::kHot, false, "main"));
  EXPECT_NE(frame_color(Palette::kHot, false, "main"), frame_color(Palette::kHot, false, "mainx"));
  // flamegraph.pl's hash looks at the first three characters (and the last three, reversed).
  EXPECT_EQ(frame_color(Palette::kHot, true, "abcXYZ").g, frame_color(Palette::kHot, true, "abcQQQXYZ").g);
  // A module prefix "mod`" is skipped by the hash.
  EXPECT_EQ(frame_color(Palette::kHot, true, "libc.so`abc").g, frame_color(Palette::kHot, true, "abc").g);
}

TEST(FlameColors, LanguagePalettes) {
  EXPECT_EQ(hue(Palette::kJava, "read_[k]"), Palette::kOrange);
  EXPECT_EQ(hue(Palette::kJava, "Interpreter_[j]"), Palette::kGreen);
  EXPECT_EQ(hue(Palette::kJava, "inlined_[i]"), Palette::kAqua);
  EXPECT_EQ(hue(Palette::kJava, "Ljava/lang/Thread;::run"), Palette::kYellow);  // "::" is C++ first
  EXPECT_EQ(hue(Palette::kJava, "org/apache/Foo.bar"), Palette::kGreen);
  EXPECT_EQ(hue(Palette::kJava, "start_thread"), Palette::kRed);
  EXPECT_EQ(hue(Palette::kJs, "LazyCompile:*foo /app/x.js:1_[j]"), Palette::kGreen);
  EXPECT_EQ(hue(Palette::kJs, "node::Start"), Palette::kYellow);
  EXPECT_EQ(hue(Palette::kJs, "/app/node_modules/x/index.js"), Palette::kPurple);
  EXPECT_EQ(hue(Palette::kJs, " "), Palette::kGreen);
  EXPECT_EQ(hue(Palette::kPerl, "Perl_pp_entersub"), Palette::kGreen);
  EXPECT_EQ(hue(Palette::kPerl, "Foo::bar"), Palette::kYellow);
  EXPECT_EQ(hue(Palette::kPython, "/usr/lib/python3.11/json/decoder.py:decode"), Palette::kYellow);
  EXPECT_EQ(hue(Palette::kPython, "/venv/lib/python3.11/site-packages/x.py:f"), Palette::kAqua);
  EXPECT_EQ(hue(Palette::kPython, "<built-in method time.sleep>"), Palette::kYellow);
  EXPECT_EQ(hue(Palette::kPython, "app.py:main"), Palette::kRed);
  EXPECT_EQ(hue(Palette::kRust, "core::ptr::drop_in_place"), Palette::kOrange);
  EXPECT_EQ(hue(Palette::kRust, "<alloc::vec::Vec<T> as core::ops::Drop>::drop"), Palette::kOrange);
  EXPECT_EQ(hue(Palette::kRust, "mycrate::run"), Palette::kAqua);
  EXPECT_EQ(hue(Palette::kRust, "memcpy"), Palette::kYellow);
  EXPECT_EQ(hue(Palette::kWakeup, "anything"), Palette::kAqua);
}

TEST(FlameColors, SeparatorsAreGrey) {
  Rgb c;
  ASSERT_TRUE(separator_color("-", &c));
  EXPECT_EQ(c, (Rgb{200, 200, 200}));
  ASSERT_TRUE(separator_color("--", &c));
  EXPECT_EQ(c, (Rgb{160, 160, 160}));
  EXPECT_FALSE(separator_color("---", &c));
}

TEST(FlameColors, DifferentialScale) {
  EXPECT_EQ(diff_color(0, 10), (Rgb{250, 250, 250}));
  EXPECT_EQ(diff_color(10, 10), (Rgb{255, 100, 100}));
  EXPECT_EQ(diff_color(-10, 10), (Rgb{100, 100, 255}));
  EXPECT_EQ(diff_color(5, 10), (Rgb{255, 175, 175}));
  EXPECT_EQ(diff_color(-2.5, 10), (Rgb{212, 212, 255}));
  EXPECT_EQ(diff_color(3, 0), (Rgb{250, 250, 250}));
}

TEST(FlameColors, Backgrounds) {
  EXPECT_EQ(background_gradient(Palette::kHot),
            std::make_pair(std::string_view("#eeeeee"), std::string_view("#eeeeb0")));
  EXPECT_EQ(background_gradient(Palette::kMem).second, "#e0ffe0");
  EXPECT_EQ(background_gradient(Palette::kIo).second, "#e0e0ff");
  EXPECT_EQ(background_gradient(Palette::kRed).first, "#f8f8f8");
  std::pair<std::string, std::string> bg;
  EXPECT_TRUE(parse_background("blue", &bg));
  EXPECT_EQ(bg.second, "#e0e0ff");
  EXPECT_TRUE(parse_background("#A0b0C0", &bg));
  EXPECT_EQ(bg.first, "#A0b0C0");
  EXPECT_FALSE(parse_background("#12345", &bg));
  EXPECT_FALSE(parse_background("url(x)", &bg));
}

}  // namespace
}  // namespace lambdascope::render
