#include "text/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lambdascope::text {
namespace {

// The page payload's style: what sits inside an HTML <script>.
std::string json_quoted(std::string_view s) {
  return json_quote(s, JsonStrings::kScriptSafe);
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quoted("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(json_quoted(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(json_quoted(std::string("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonString, NeverLetsAScriptEndTagThrough) {
  std::string s = json_quoted("</script><script>alert(1)</script>");
  EXPECT_EQ(s.find('<'), std::string::npos);
  EXPECT_EQ(s, R"("\u003c/script>\u003cscript>alert(1)\u003c/script>")");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5\"");
  EXPECT_EQ(json_quoted("\xFF"), R"("\ufffd")");
  EXPECT_EQ(json_quoted("a\xC3"), R"("a\ufffd")");                              // truncated sequence
  EXPECT_EQ(json_quoted("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(json_quoted("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // UTF-16 surrogate
  EXPECT_EQ(json_quoted("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
}

TEST(JsonNumber, IntegersExactlyAndFractionsShortest) {
  std::string out;
  auto append_json_number = [](std::string& out, double v) {
    text::append_json_number(out, v, JsonNumbers::kExactIntegers);
  };
  append_json_number(out, 10101010);
  out += ' ';
  append_json_number(out, -3);
  out += ' ';
  append_json_number(out, 9007199254740992.0);
  out += ' ';
  append_json_number(out, 0.1);
  out += ' ';
  append_json_number(out, 31.23);
  EXPECT_EQ(out, "10101010 -3 9007199254740992 0.1 31.23");
  EXPECT_THROW(append_json_number(out, std::nan("")), std::invalid_argument);
  EXPECT_THROW(append_json_number(out, std::numeric_limits<double>::infinity()), std::invalid_argument);
}

TEST(JsonString, PlainStyleWritesShortEscapesAndReplacementBytes) {
  EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quote("\b\f\n\r\t</"), R"("\b\f\n\r\t</")");
  EXPECT_EQ(json_quote(std::string("nul\0x", 5)), R"("nul\u0000x")");
  EXPECT_EQ(json_quote("\x1b[31m"), R"("\u001b[31m")");
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_quote("a\xff\xfe"), "\"a\xef\xbf\xbd\xef\xbf\xbd\"");
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate
}

TEST(JsonNumber, Int64StyleKeepsLargeIntegersWhole) {
  std::string out;
  append_json_number(out, 1.7e18);
  out += ' ';
  append_json_number(out, 0.0001);
  out += ' ';
  append_json_number(out, 2.5);
  EXPECT_EQ(out, "1700000000000000000 0.0001 2.5");
}

TEST(JsonWriter, PlacesCommasInNestedContainers) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.integer(1);
  w.key("b");
  w.begin_array();
  w.string("x");
  w.null();
  w.boolean(true);
  w.begin_object();
  w.end_object();
  w.end_array();
  w.key("c");
  w.integer_array(std::vector<int>{1, 2, 3});
  w.key("d");
  w.number_array(std::vector<double>{});
  w.key("t");
  w.decimal_string(-9223372036854775807LL);
  w.end_object();
  EXPECT_EQ(out, R"({"a":1,"b":["x",null,true,{}],"c":[1,2,3],"d":[],"t":"-9223372036854775807"})");
}

TEST(JsonWriter, CloseWithoutOpenIsALogicError) {
  std::string out;
  JsonWriter w(out);
  EXPECT_THROW(w.end_object(), std::logic_error);
}

}  // namespace
}  // namespace lambdascope::text
