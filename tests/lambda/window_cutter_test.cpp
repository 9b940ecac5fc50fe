#include "lambda/extension/window_cutter.hpp"

#include <gtest/gtest.h>

namespace lambdascope::lambda::extension {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
constexpr int64_t kMs = 1000000;

TelemetryEvent event(const std::string& type, int64_t time_ms, const std::string& request_id = "",
                     const std::string& status = "") {
  TelemetryEvent e;
  e.type = type;
  e.time_ns = time_ms * kMs;
  e.request_id = request_id;
  e.status = status;
  return e;
}

TelemetryEvent report(const std::string& request_id, int64_t time_ms) {
  TelemetryEvent e = event("platform.report", time_ms, request_id, "success");
  e.duration_ms = 12.5;
  e.billed_duration_ms = 13;
  e.memory_size_mb = 128;
  e.max_memory_used_mb = 60;
  return e;
}

TEST(WindowCutter, TelemetryWindowsFromStartToRuntimeDoneWithTheReport) {
  WindowCutter c;
  auto t0 = SteadyClock::now();
  c.on_telemetry(event("platform.initRuntimeDone", 1000, "", "success"), t0);
  c.on_telemetry(event("platform.initReport", 1001), t0);
  c.on_invoke("r1", 1010 * kMs, 99999, t0);
  c.on_telemetry(event("platform.start", 1008, "r1"), t0);  // earlier than the INVOKE's arrival
  EXPECT_EQ(c.take_ready(t0).size(), 1u);                   // init: ended and reported
  TelemetryEvent done = event("platform.runtimeDone", 1200, "r1", "success");
  done.duration_ms = 191.7;
  c.on_telemetry(done, t0);
  EXPECT_TRUE(c.take_ready(t0).empty());  // waits for the report
  c.on_telemetry(report("r1", 1201), t0);
  auto ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 1u);
  const Window& w = ready[0];
  EXPECT_EQ(w.phase, Phase::kInvoke);
  EXPECT_EQ(w.request_id, "r1");
  EXPECT_EQ(w.start_ns, 1008 * kMs);
  EXPECT_EQ(w.end_ns, 1201 * kMs);  // to the end of runtimeDone's millisecond
  EXPECT_TRUE(w.cold_start);
  EXPECT_EQ(w.runtime_duration_ms, 191.7);
  EXPECT_EQ(w.billed_duration_ms, 13);
  EXPECT_EQ(w.status, "success");
  EXPECT_FALSE(w.invoke_to_invoke);

  c.on_invoke("r2", 2000 * kMs, 99999, t0);
  c.on_telemetry(event("platform.runtimeDone", 2100, "r2", "error"), t0);
  c.on_telemetry(report("r2", 2101), t0);
  ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_FALSE(ready[0].cold_start);
  EXPECT_EQ(ready[0].status, "error");
}

TEST(WindowCutter, AMissingReportIsWaitedForOnlyTheGracePeriodOfUnfrozenTime) {
  WindowCutter c(200ms);
  auto t0 = SteadyClock::now();
  c.on_telemetry(event("platform.initRuntimeDone", 1000, "", "success"), t0);
  EXPECT_TRUE(c.take_ready(t0 + 50ms).empty());
  EXPECT_TRUE(c.take_ready(t0 + 100ms).empty());
  EXPECT_EQ(c.next_grace_deadline(), t0 + 200ms);
  // A 10 s gap between two calls is a freeze: it does not eat the grace period...
  EXPECT_TRUE(c.take_ready(t0 + 10100ms).empty());
  // ...but running time does.
  EXPECT_EQ(c.take_ready(t0 + 10150ms).size(), 0u);
  EXPECT_EQ(c.take_ready(t0 + 10200ms).size(), 1u);
}

TEST(WindowCutter, AGapBeforeAWindowsEndWasKnownIsNotTakenFromItsGrace) {
  // The writer sleeps while no window waits for a report: the gap before one's end became known is no
  // freeze of that window's wait.
  WindowCutter c(200ms);
  auto t0 = SteadyClock::now();
  EXPECT_TRUE(c.take_ready(t0).empty());
  c.on_telemetry(event("platform.initRuntimeDone", 1000, "", "success"), t0 + 5s);
  EXPECT_TRUE(c.take_ready(t0 + 5s).empty());
  EXPECT_EQ(c.next_grace_deadline(), t0 + 5200ms);
  // From then on it looks every 50 ms, as it does while a window waits for its report.
  for (auto t = t0 + 5050ms; t < t0 + 5200ms; t += 50ms) EXPECT_TRUE(c.take_ready(t).empty());
  EXPECT_EQ(c.take_ready(t0 + 5200ms).size(), 1u);
}

TEST(WindowCutter, WindowsLeaveInTimeOrder) {
  WindowCutter c;
  auto t0 = SteadyClock::now();
  c.on_invoke("r1", 1000 * kMs, 0, t0);
  c.on_telemetry(event("platform.runtimeDone", 1100, "r1", "success"), t0);
  c.on_telemetry(report("r1", 1101), t0);
  // r1 is ready, but the init window before it is not: nothing leaves yet.
  EXPECT_TRUE(c.take_ready(t0).empty());
  c.on_telemetry(event("platform.initRuntimeDone", 900, "", "success"), t0);
  c.on_telemetry(event("platform.initReport", 901), t0);
  auto ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].phase, Phase::kInit);
  EXPECT_EQ(ready[1].request_id, "r1");
}

TEST(WindowCutter, ALostRuntimeDoneIsClosedByTheNextWindow) {
  WindowCutter c;
  auto t0 = SteadyClock::now();
  c.on_telemetry(event("platform.initRuntimeDone", 900, "", "success"), t0);
  c.on_telemetry(event("platform.initReport", 901), t0);
  c.on_invoke("r1", 1000 * kMs, 0, t0);
  c.on_invoke("r2", 2000 * kMs, 0, t0);
  c.on_telemetry(event("platform.runtimeDone", 2100, "r2", "success"), t0);
  c.on_telemetry(report("r2", 2101), t0);
  auto ready = c.take_ready(t0 + 1s);  // r1's grace has passed
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[1].request_id, "r1");
  EXPECT_EQ(ready[1].end_ns, 2000 * kMs);
  EXPECT_EQ(ready[1].status, "");
  EXPECT_NE(ready[1].note.find("lost telemetry"), std::string::npos);
}

TEST(WindowCutter, WithoutTelemetryWindowsRunFromInvokeToInvoke) {
  WindowCutter c;
  c.set_telemetry(false);
  auto t0 = SteadyClock::now();
  c.on_invoke("r1", 1000 * kMs, 0, t0);
  auto ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 1u);  // init ends at the first INVOKE
  EXPECT_EQ(ready[0].phase, Phase::kInit);
  EXPECT_EQ(ready[0].end_ns, 1000 * kMs);
  EXPECT_TRUE(ready[0].invoke_to_invoke);
  c.on_invoke("r2", 3000 * kMs, 0, t0);
  ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].request_id, "r1");
  EXPECT_EQ(ready[0].start_ns, 1000 * kMs);
  EXPECT_EQ(ready[0].end_ns, 3000 * kMs);
  EXPECT_TRUE(ready[0].invoke_to_invoke);
  EXPECT_TRUE(ready[0].cold_start);
  EXPECT_TRUE(c.wait_settled(SteadyClock::now()));  // nothing to wait for without telemetry
  c.on_shutdown(4000 * kMs);
  ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].request_id, "r2");
  EXPECT_EQ(ready[0].end_ns, 4000 * kMs);
  EXPECT_FALSE(ready[0].cold_start);
}

TEST(WindowCutter, WithoutTelemetryTheDeadlinesCorrectALateInvokeArrival) {
  WindowCutter c;
  c.set_telemetry(false);
  auto t0 = SteadyClock::now();
  // Timeout 3 s (whole seconds, as Lambda sets it); the invocations start at 1000.4, 2000.7 and 3000.2 ms
  // (deadlines cut to 4000, 5000 and 6000 ms); our INVOKE arrives at 1002, 2009 and 3003 ms: each start is
  // the end of its deadline's millisecond less the timeout (never before the true start, at most 1 ms after),
  // not our arrival.
  c.on_invoke("r1", 1002 * kMs, 4000, t0);
  c.on_invoke("r2", 2009 * kMs, 5000, t0);
  c.on_invoke("r3", 3003 * kMs, 6000, t0);
  c.on_shutdown(9000 * kMs);
  auto ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 4u);
  EXPECT_EQ(ready[0].end_ns, 1001 * kMs);  // init ends where r1 began
  EXPECT_EQ(ready[1].start_ns, 1001 * kMs);
  EXPECT_EQ(ready[1].end_ns, 2001 * kMs);
  EXPECT_EQ(ready[2].start_ns, 2001 * kMs);
  EXPECT_EQ(ready[2].end_ns, 3001 * kMs);
  EXPECT_EQ(ready[3].start_ns, 3001 * kMs);
}

TEST(WindowCutter, WithoutTelemetryAnArrivalOverASecondLateFallsBackToTheBestGapSeen) {
  WindowCutter c;
  c.set_telemetry(false);
  auto t0 = SteadyClock::now();
  // Timeout 3 s; r1 arrives 1,500 ms late: the whole-second rule takes the timeout for 2 s, a start 499 ms
  // before its arrival and still 1 s late (nothing better known yet). r2 arrives 4 ms late and teaches the
  // timeout; r3 arrives 1,200 ms late again and is placed by the 3 s learnt from r2.
  c.on_invoke("r1", 2500 * kMs, 4000, t0);
  c.on_invoke("r2", 5004 * kMs, 8000, t0);
  c.on_invoke("r3", 7200 * kMs, 9000, t0);
  c.on_shutdown(9500 * kMs);
  auto ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 4u);
  EXPECT_EQ(ready[1].start_ns, 2001 * kMs);
  EXPECT_EQ(ready[2].start_ns, 5001 * kMs);
  EXPECT_EQ(ready[3].start_ns, 6001 * kMs);
}

TEST(WindowCutter, ShutdownClosesWhatIsOpenAndKeepsTheStatusOfATimeout) {
  WindowCutter c;
  auto t0 = SteadyClock::now();
  c.on_telemetry(event("platform.initRuntimeDone", 900, "", "success"), t0);
  c.on_telemetry(event("platform.initReport", 901), t0);
  c.on_invoke("r1", 1000 * kMs, 0, t0);
  c.on_telemetry(event("platform.runtimeDone", 4000, "r1", "timeout"), t0);
  // After a reset the report goes to the next generation: only ends are waited for.
  EXPECT_FALSE(c.wait_settled(SteadyClock::now() + 10ms, true));
  EXPECT_TRUE(c.wait_settled(SteadyClock::now() + 10ms, false));
  c.on_invoke("r2", 5000 * kMs, 0, t0);
  EXPECT_FALSE(c.wait_settled(SteadyClock::now() + 10ms, false));  // r2 has no end yet
  c.on_shutdown(6000 * kMs);
  auto ready = c.take_ready(t0);
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[1].status, "timeout");
  EXPECT_EQ(ready[2].request_id, "r2");
  EXPECT_EQ(ready[2].end_ns, 6000 * kMs);
  EXPECT_NE(ready[2].note.find("SHUTDOWN"), std::string::npos);
}

TEST(WindowCutter, EventsForUnknownRequestsAreIgnored) {
  WindowCutter c;
  c.on_telemetry(event("platform.runtimeDone", 100, "from-before", "success"));
  c.on_telemetry(report("from-before", 101));
  EXPECT_EQ(c.ignored_events(), 2u);
  EXPECT_EQ(c.open_windows(), 1u);  // just init
}

TEST(WindowCutter, WaitForEndReturnsWhenRuntimeDoneArrives) {
  WindowCutter c;
  c.on_invoke("r1", 1000 * kMs, 0);
  EXPECT_FALSE(c.wait_for_end("r1", SteadyClock::now() + 10ms));
  std::thread t([&] {
    std::this_thread::sleep_for(20ms);
    c.on_telemetry(event("platform.runtimeDone", 1100, "r1", "success"));
  });
  EXPECT_TRUE(c.wait_for_end("r1", SteadyClock::now() + 5s));
  t.join();
  c.release("r1");
  c.on_telemetry(event("platform.initRuntimeDone", 900, "", "success"));
  c.on_telemetry(event("platform.initReport", 901));
  EXPECT_EQ(c.take_ready().size(), 2u);  // r1 released without its report
}

}  // namespace
}  // namespace lambdascope::lambda::extension
