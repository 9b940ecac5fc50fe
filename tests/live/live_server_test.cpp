#include "server/live/live_server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include "live/live_test_support.hpp"

namespace lambdascope::live {
namespace {

class LiveServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    aggregator_.add(testing::make_batch({{"main;work;hot"}, {"main;work;cold"}}), 1000.2);
    aggregator_.add(testing::make_batch({{"main;work;hot"}}), 1006.0);
    port_ = server_.start(ListenAddress{});
  }
  httplib::Client client() { return httplib::Client("127.0.0.1", port_); }

  double now_ = 1006.5;
  LiveAggregator aggregator_{LiveOptions{}};
  LiveServer server_{aggregator_, "test", [this] { return now_; }};
  int port_ = 0;
};

TEST_F(LiveServerTest, MetricsNegotiatesTheFormat) {
  auto text = client().Get("/metrics");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 200);
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text->body.find("lambdascope_function_self_seconds_total{function=\"hot\"} 0.02\n"),
            std::string::npos)
      << text->body;
  auto om =
      client().Get("/metrics", {{"Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"}});
  ASSERT_TRUE(om);
  EXPECT_EQ(om->get_header_value("Content-Type"),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_TRUE(om->body.ends_with("# EOF\n"));
}

TEST_F(LiveServerTest, BadRequestsGetOneLine) {
  for (const char* path :
       {"/debug/pprof/profile?seconds=-1", "/debug/pprof/profile?seconds=abc",
        "/debug/pprof/profile?seconds=100000", "/flamegraph.json?seconds=0", "/?seconds=x"}) {
    auto res = client().Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path;
    EXPECT_EQ(res->body, "seconds must be a whole number from 1 to 600\n") << path;
  }
  auto missing = client().Get("/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(LiveServerTest, FlamegraphJsonAndPageServeTheWindow) {
  auto json = client().Get("/flamegraph.json?seconds=10");
  ASSERT_TRUE(json);
  EXPECT_EQ(json->status, 200);
  EXPECT_TRUE(json->body.starts_with(R"([{"level":0,"value":30000000,"self":0,"label":"total"})"))
      << json->body;
  auto page = client().Get("/?seconds=10&paused=1");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("resume"), std::string::npos);
  EXPECT_EQ(page->body.find("location.reload"), std::string::npos);
}

TEST(LiveServer, APortInUseIsAnError) {
  LiveAggregator aggregator{LiveOptions{}};
  LiveServer first(aggregator, "a");
  int port = first.start(ListenAddress{});
  LiveServer second(aggregator, "b");
  EXPECT_THROW(second.start(ListenAddress{"127.0.0.1", port}), std::runtime_error);
}

}  // namespace
}  // namespace lambdascope::live
