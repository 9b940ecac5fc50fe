#include <gtest/gtest.h>

#include "lambda/extension/lifecycle_event.hpp"
#include "lambda/extension/telemetry_event.hpp"

namespace lambdascope::lambda::extension {
namespace {

TEST(Iso8601, ParsesTelemetryTimes) {
  EXPECT_EQ(parse_iso8601_ns("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ns("2022-10-12T00:00:15.064Z"), 1665532815064000000);
  EXPECT_EQ(parse_iso8601_ns("2022-10-12T00:00:15.064123456Z"), 1665532815064123456);
  EXPECT_EQ(parse_iso8601_ns("2022-10-12T02:00:15.5+02:00"), 1665532815500000000);
  EXPECT_EQ(parse_iso8601_ns("2024-02-29T23:59:59Z"), 1709251199000000000);  // leap day
  for (const char* bad : {"", "2022-10-12", "2022-10-12T00:00:15", "2022-13-12T00:00:15Z",
                          "2022-10-12T00:00:15.Z", "2022-10-12T00:00:15Zjunk", "yesterday"})
    EXPECT_FALSE(parse_iso8601_ns(bad).has_value()) << bad;
}

TEST(Telemetry, ParsesThePlatformEventsOfADelivery) {
  TelemetryBatch b = parse_telemetry(R"([
    {"time":"2022-10-12T00:00:15.064Z","type":"platform.start","record":{"requestId":"r1","version":"$LATEST"}},
    {"time":"2022-10-12T00:00:15.100Z","type":"function","record":"a log line"},
    {"time":"2022-10-12T00:00:15.300Z","type":"platform.runtimeDone","record":{"requestId":"r1","status":"timeout",
      "errorType":"Sandbox.Timedout","metrics":{"durationMs":235.5,"producedBytes":0}}},
    {"time":"2022-10-12T00:00:15.400Z","type":"platform.report","record":{"requestId":"r1","status":"success",
      "metrics":{"durationMs":240.1,"billedDurationMs":241,"memorySizeMB":128,"maxMemoryUsedMB":70,"initDurationMs":150.2}}},
    {"time":"2022-10-12T00:00:14.000Z","type":"platform.initRuntimeDone","record":{"initializationType":"on-demand",
      "phase":"init","status":"success"}}
  ])");
  EXPECT_TRUE(b.error.empty());
  EXPECT_EQ(b.skipped, 0u);
  ASSERT_EQ(b.events.size(), 4u);  // the function log line is not a platform event
  EXPECT_EQ(b.events[0].type, "platform.start");
  EXPECT_EQ(b.events[0].request_id, "r1");
  EXPECT_EQ(b.events[0].time_ns, 1665532815064000000);
  EXPECT_EQ(b.events[1].status, "timeout");
  EXPECT_EQ(b.events[1].error_type, "Sandbox.Timedout");
  EXPECT_EQ(b.events[1].duration_ms, 235.5);
  EXPECT_EQ(b.events[2].billed_duration_ms, 241);
  EXPECT_EQ(b.events[2].memory_size_mb, 128);
  EXPECT_EQ(b.events[2].max_memory_used_mb, 70);
  EXPECT_EQ(b.events[2].init_duration_ms, 150.2);
  EXPECT_EQ(b.events[3].phase, "init");
  EXPECT_EQ(b.events[3].initialization_type, "on-demand");
}

TEST(Telemetry, MalformedDeliveriesAreCountedNotFatal) {
  EXPECT_FALSE(parse_telemetry("").error.empty());
  EXPECT_FALSE(parse_telemetry("{\"type\":\"platform.start\"}").error.empty());
  EXPECT_FALSE(parse_telemetry("[{\"time\":").error.empty());
  TelemetryBatch b = parse_telemetry(R"([1, "x", {"type":"platform.start"},
    {"time":"not a time","type":"platform.start","record":{}},
    {"time":"2022-10-12T00:00:15.064Z","type":"platform.start","record":"not an object"},
    {"time":"2022-10-12T00:00:15.064Z","type":"platform.runtimeDone","record":{"requestId":7,"metrics":{"durationMs":"x"}}}])");
  EXPECT_TRUE(b.error.empty());
  EXPECT_EQ(b.skipped, 5u);
  ASSERT_EQ(b.events.size(), 1u);  // well-formed envelope; odd fields are just absent
  EXPECT_EQ(b.events[0].request_id, "");
  EXPECT_FALSE(b.events[0].duration_ms.has_value());
}

TEST(LifecycleEvent, InvokeAndShutdown) {
  LifecycleEvent i = parse_lifecycle_event(
      R"({"eventType":"INVOKE","deadlineMs":1641499602632,"requestId":"3da1f2dc","invokedFunctionArn":"arn","tracing":{}})");
  EXPECT_EQ(i.type, LifecycleEvent::Type::kInvoke);
  EXPECT_EQ(i.request_id, "3da1f2dc");
  EXPECT_EQ(i.deadline_ms, 1641499602632);
  LifecycleEvent s =
      parse_lifecycle_event(R"({"eventType":"SHUTDOWN","shutdownReason":"SPINDOWN","deadlineMs":42})");
  EXPECT_EQ(s.type, LifecycleEvent::Type::kShutdown);
  EXPECT_EQ(s.shutdown_reason, "spindown");
  EXPECT_EQ(s.deadline_ms, 42);
  for (const char* bad : {"", "[]", R"({"eventType":"RESTORE"})", R"({"eventType":"INVOKE"})", "{"}) {
    LifecycleEvent e = parse_lifecycle_event(bad);
    EXPECT_EQ(e.type, LifecycleEvent::Type::kUnknown) << bad;
    EXPECT_FALSE(e.error.empty()) << bad;
  }
}

}  // namespace
}  // namespace lambdascope::lambda::extension
