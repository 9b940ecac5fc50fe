#include "lambda/extension/telemetry_listener.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

namespace lambdascope::lambda::extension {
namespace {

TEST(TelemetryListener, DeliveriesReachTheCallbackParsed) {
  std::mutex mu;
  std::vector<TelemetryEvent> got;
  TelemetryListener listener([&](const TelemetryBatch& b) {
    std::lock_guard<std::mutex> lock(mu);
    got.insert(got.end(), b.events.begin(), b.events.end());
  });
  std::string error;
  int port = listener.start(&error);
  ASSERT_GT(port, 0) << error;
  httplib::Client client("127.0.0.1", port);
  auto r = client.Post(
      "/", R"([{"time":"2022-10-12T00:00:15.064Z","type":"platform.start","record":{"requestId":"r1"}}])",
      "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto bad = client.Post("/", "not json", "application/json");  // answered, not retried forever
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 200);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].request_id, "r1");
}

// A client that would keep the connection (HTTP/1.1's default) is told to close it after each
// delivery, and the listener closes it: an idle kept-alive connection costs httplib a wake every 11 ms.
TEST(TelemetryListener, EachDeliveryClosesItsConnection) {
  TelemetryListener listener([](const TelemetryBatch&) {});
  std::string error;
  int port = listener.start(&error);
  ASSERT_GT(port, 0) << error;
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  for (int i = 0; i < 2; ++i) {
    auto r = client.Post("/", "[]", "application/json");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Connection"), "close") << i;
  }
  // And stopping does not wait for the kept-alive connection's timeout (5 s in httplib), which would take
  // the extension past SHUTDOWN's 2 s deadline.
  auto begin = std::chrono::steady_clock::now();
  listener.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(3));
}

std::set<std::string> thread_ids() {
  std::set<std::string> tids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    tids.insert(entry.path().filename().string());
  return tids;
}

// One thread, however many CPUs: the listening one handles each delivery. Each idle thread costs the
// sandbox a wake at every freeze and thaw; httplib's default pool would add eight (or one per CPU).
TEST(TelemetryListener, RunsOnOneThread) {
  const std::set<std::string> before = thread_ids();  // new ones are counted: another test's may end
  TelemetryListener listener([](const TelemetryBatch&) {});
  std::string error;
  int port = listener.start(&error);
  ASSERT_GT(port, 0) << error;
  httplib::Client client("127.0.0.1", port);
  auto r = client.Post("/", "[]", "application/json");  // answered: the pool exists by now
  ASSERT_TRUE(r);
  size_t started = 0;
  for (const std::string& tid : thread_ids()) started += before.count(tid) == 0 ? 1 : 0;
  EXPECT_EQ(started, 1u);
}

// httplib's stop() is a no-op until the listening thread has begun; stopping right after start (what the
// extension does when the subscription is refused) must still return, not hang the extension's init.
TEST(TelemetryListener, StopRightAfterStartReturns) {
  auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 30; ++i) {
    TelemetryListener listener([](const TelemetryBatch&) {});
    std::string error;
    ASSERT_GT(listener.start(&error), 0) << error;
    listener.stop();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(20));
}

}  // namespace
}  // namespace lambdascope::lambda::extension
