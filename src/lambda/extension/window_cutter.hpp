// Turns the extension's view of the lifecycle (INVOKE and SHUTDOWN events, Telemetry API platform events)
// into windows, one per profile:
//   init    [the ring's start .. platform.initRuntimeDone]
//   invoke  [platform.start or the INVOKE's arrival, whichever is earlier .. platform.runtimeDone]
// and without the Telemetry API (AWS's emulator answers Telemetry.NotSupported):
//   init    [the ring's start .. the first INVOKE]
//   invoke  [INVOKE .. the next INVOKE or SHUTDOWN], marked invoke_to_invoke; the INVOKE's moment is
//           estimated from its deadline (minus the largest deadline-to-arrival gap seen, i.e. the timeout)
//           when that is earlier than its arrival, which lags by our scheduling delay.
// A window is ready when its end is known and its report (platform.report / initReport: billed duration,
// memory) arrived or a grace period passed; windows are handed out in time order, so samples up to a
// handed-out window's end can be forgotten. A window whose end never comes (lost telemetry) is closed by the
// next window's end or by SHUTDOWN, with a note. Thread-safe.
#pragma once

#include <chrono>
#include <climits>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "lambda/extension/telemetry_event.hpp"
#include "lambda/extension/window.hpp"

namespace lambdascope::lambda::extension {

class WindowCutter {
 public:
  using SteadyClock = std::chrono::steady_clock;

  explicit WindowCutter(std::chrono::milliseconds report_grace = std::chrono::milliseconds(200));

  // Whether platform events will come (decided by the subscription, before the first INVOKE).
  void set_telemetry(bool available);
  bool telemetry() const;

  void on_invoke(const std::string& request_id, int64_t receipt_ns, int64_t deadline_ms,
                 SteadyClock::time_point now = SteadyClock::now());
  void on_telemetry(const TelemetryEvent& event, SteadyClock::time_point now = SteadyClock::now());
  // Closes every open window (at `receipt_ns`, with a note) and makes every window ready.
  void on_shutdown(int64_t receipt_ns);

  // Windows ready to be cut, oldest first; they leave the cutter. Called at least every 50 ms by a running
  // caller: a longer gap is taken for a freeze, which does not count against the report's grace period.
  std::vector<Window> take_ready(SteadyClock::time_point now = SteadyClock::now());
  // The earliest moment a window not yet ready may become ready by its grace period (for a waiting thread).
  SteadyClock::time_point next_grace_deadline() const;

  // Waits until the invocation's end is known (FLUSH=invoke); false at the deadline.
  bool wait_for_end(const std::string& request_id, SteadyClock::time_point deadline);
  // Makes the invocation ready without its report.
  void release(const std::string& request_id);
  // Waits until no window lacks its telemetry end or report (before SHUTDOWN closes the rest). After a
  // reset (SHUTDOWN reason timeout or failure) Lambda reports the failed invocation only to the next
  // generation's extensions: then only ends are waited for.
  bool wait_settled(SteadyClock::time_point deadline, bool reports = true);

  size_t open_windows() const;
  std::string describe_open() const;  // for debug lines
  uint64_t ignored_events() const;

 private:
  Window* find(const std::string& request_id);
  Window& invoke_window(const std::string& request_id, int64_t start_ns);
  void close_earlier_open(const Window& w, SteadyClock::time_point now);
  bool settled_locked(bool reports) const;

  std::chrono::milliseconds grace_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool telemetry_ = true;
  bool shutting_down_ = false;
  bool seen_invoke_ = false;
  std::deque<Window> windows_;  // in time order; the init window first
  uint64_t ignored_ = 0;
  SteadyClock::time_point last_take_{};
  int64_t timeout_estimate_ns_ = 0;  // largest INVOKE deadline minus arrival seen (no telemetry)
};

}  // namespace lambdascope::lambda::extension
