#include "text/utf8.hpp"

#include <gtest/gtest.h>

#include "text/markup_escape.hpp"

namespace lambdascope::text {
namespace {

TEST(Utf8, RepairReplacesEachBadByte) {
  EXPECT_EQ(valid_utf8("plain"), "plain");
  EXPECT_EQ(valid_utf8("\xC3\xA9"), "\xC3\xA9");
  EXPECT_EQ(valid_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(valid_utf8("a\xE2\x82"), "a\xEF\xBF\xBD\xEF\xBF\xBD");                // cut short
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // > U+10FFFF
}

TEST(Utf8, Validates) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("bad\xFF\xFE"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_TRUE(is_valid_utf8(valid_utf8("\xC0\xAF\xFF x \xE2\x82")));
}

TEST(MarkupEscape, EscapesMarkupAndReplacesWhatXmlForbids) {
  EXPECT_EQ(markup_escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  EXPECT_EQ(markup_escape("tab\there"), "tab\there");
  EXPECT_EQ(markup_escape("bell\x07"), "bell\xEF\xBF\xBD");
  EXPECT_EQ(markup_escape("bad\xFF\xC3\xA9"), "bad\xEF\xBF\xBD\xC3\xA9");
}

}  // namespace
}  // namespace lambdascope::text
