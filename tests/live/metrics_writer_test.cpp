#include "server/live/metrics_writer.hpp"

#include <gtest/gtest.h>

#include "live/live_test_support.hpp"
#include "server/live/label_value.hpp"
#include "server/live/live_server.hpp"
#include "server/live/window_param.hpp"

namespace lambdascope::live {
namespace {

TEST(MetricsWriter, TextFormatHasTheIssuesNamesAndEscapes) {
  LiveAggregator agg(LiveOptions{});
  agg.add(testing::make_batch({{"main;say \"hi\"\\n"}}), 1);
  agg.add(testing::make_batch({}), 6.5);  // chooses the top set (5 s after the first samples)
  agg.set_dropped("ring_full", 3);
  std::string text = write_metrics(agg.metrics(7), MetricsFormat::kText004);
  EXPECT_NE(text.find("# TYPE lambdascope_samples_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lambdascope_samples_total{mode=\"cpu\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lambdascope_samples_dropped_total{reason=\"ring_full\"} 3\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lambdascope_cpu_seconds_total{thread_name=\"main\"} 0.01\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lambdascope_function_self_seconds_total{function=\"say \\\"hi\\\"\\\\n\"} 0.01\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lambdascope_function_total_seconds_total{function=\"other\"} "), std::string::npos);
  EXPECT_EQ(text.find("stack_self"), std::string::npos);
  EXPECT_EQ(text.find("# EOF"), std::string::npos);
}

TEST(MetricsWriter, OpenMetricsNamesFamiliesWithoutTotalAndEnds) {
  LiveOptions o;
  o.metrics_stacks = 3;
  LiveAggregator agg(o);
  agg.add(testing::make_batch({{"main;a;b"}}), 1);
  std::string om =
      write_metrics(agg.metrics(7), metrics_format_for("application/openmetrics-text;version=1.0.0"));
  EXPECT_NE(om.find("# TYPE lambdascope_function_self_seconds counter\n"), std::string::npos) << om;
  EXPECT_NE(om.find("lambdascope_stack_self_seconds_total{stack=\"main;a;b\"} 0.01\n"), std::string::npos)
      << om;
  EXPECT_TRUE(om.ends_with("# EOF\n"));
  EXPECT_EQ(metrics_format_for("text/plain"), MetricsFormat::kText004);
}

TEST(LabelValue, CutTo128BytesOnACharacterBoundary) {
  std::string name(127, 'x');
  name += "\xC3\xA9tail";  // é straddles byte 128
  std::string cut = cut_label(name);
  EXPECT_EQ(cut, std::string(127, 'x'));
  EXPECT_EQ(cut_label("bad\xff"), "bad\xEF\xBF\xBD");
  std::string stack;
  for (int i = 0; i < 40; ++i) stack += "frame" + std::to_string(i) + ";";
  stack += "leaf";
  std::string s = cut_stack_label(stack);
  EXPECT_LE(s.size(), 128u);
  EXPECT_TRUE(s.starts_with("...;frame"));
  EXPECT_TRUE(s.ends_with(";leaf"));
}

TEST(WindowParam, AcceptsWholeSecondsInRangeOnly) {
  std::string error;
  EXPECT_EQ(parse_seconds(std::nullopt, 30, 600, &error), 30);
  EXPECT_EQ(parse_seconds("5", 30, 600, &error), 5);
  for (const char* bad : {"-1", "abc", "100000", "0", "", "1.5", "+2", "5s"}) {
    error.clear();
    EXPECT_FALSE(parse_seconds(std::string(bad), 30, 600, &error)) << bad;
    EXPECT_EQ(error, "seconds must be a whole number from 1 to 600");
  }
}

TEST(ListenAddress, PortOrAddressAndPort) {
  EXPECT_EQ(parse_listen_address("9142").host, "127.0.0.1");
  EXPECT_EQ(parse_listen_address("9142").port, 9142);
  ListenAddress a = parse_listen_address("0.0.0.0:80");
  EXPECT_EQ(a.host, "0.0.0.0");
  EXPECT_EQ(a.port, 80);
  EXPECT_EQ(parse_listen_address("[::1]:8080").host, "::1");
  for (const char* bad : {"", "x", ":80", "1.2.3.4:", "70000", "-1"})
    EXPECT_THROW(parse_listen_address(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace lambdascope::live
