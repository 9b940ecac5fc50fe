// The JSON writer behind every body and telemetry event the emulator produces.
#include <gtest/gtest.h>

#include "lambda/common/ids.hpp"
#include "lambda/common/json.hpp"

namespace lambdascope::lambda {
namespace {

TEST(Json, QuoteEscapesWhatJsonRequires) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote("line\nnext\ttab\r"), "\"line\\nnext\\ttab\\r\"");
  EXPECT_EQ(json_quote(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
  EXPECT_EQ(json_quote("\x1b[31m"), "\"\\u001b[31m\"");
  EXPECT_EQ(json_quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(Json, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(json_quote("a\xff"
                       "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_EQ(json_quote("\xc3"), "\"\xef\xbf\xbd\"");                                  // truncated sequence
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong '/'
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate
  EXPECT_TRUE(is_json(json_quote("\xff\xfe garbage \x80")));
}

TEST(Json, ObjectsKeepFieldOrderAndMillisecondsLookLikeLambdas) {
  std::string o = JsonObject()
                      .str("requestId", "r")
                      .ms("durationMs", 693.92)
                      .ms("whole", 12)
                      .ms("micro", 0.0015)
                      .num("billedDurationMs", int64_t{694})
                      .boolean("ok", true)
                      .raw("nested", "{}")
                      .str_array("events", {"INVOKE", "SHUTDOWN"})
                      .done();
  EXPECT_EQ(
      o,
      R"({"requestId":"r","durationMs":693.92,"whole":12.0,"micro":0.002,"billedDurationMs":694,"ok":true,)"
      R"("nested":{},"events":["INVOKE","SHUTDOWN"]})");
  EXPECT_EQ(error_body("InvalidRequestID", "Invalid request ID"),
            R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
}

TEST(Ids, ShapesMatchLambdas) {
  EXPECT_TRUE(is_uuid(new_uuid()));
  EXPECT_NE(new_uuid(), new_uuid());
  EXPECT_EQ(new_uuid()[14], '4');
  EXPECT_FALSE(is_uuid("not-a-uuid"));
  EXPECT_EQ(iso8601_ms(1641499602632), "2022-01-06T20:06:42.632Z");
  std::string stream = new_log_stream_name("$LATEST");
  EXPECT_EQ(stream.size(), std::string("2022/01/06/[$LATEST]").size() + 32) << stream;
}

}  // namespace
}  // namespace lambdascope::lambda
