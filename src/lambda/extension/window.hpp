// One profile's worth of time: the init phase or one invocation, with what Lambda told us about it.
#pragma once

#include <chrono>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>

namespace lambdascope::lambda::extension {

enum class Phase { kInit, kInvoke };

inline const char* phase_name(Phase p) {
  return p == Phase::kInit ? "init" : "invoke";
}

struct Window {
  static constexpr int64_t kFromRingStart = INT64_MIN;

  Phase phase = Phase::kInvoke;
  std::string request_id;             // invocations; empty for init
  int64_t start_ns = kFromRingStart;  // Unix ns
  int64_t end_ns = 0;                 // Unix ns; 0 while open
  bool cold_start = false;
  bool invoke_to_invoke = false;  // no Telemetry API: [INVOKE, next INVOKE or SHUTDOWN]
  int64_t deadline_ms = 0;        // the INVOKE's deadline (Unix ms)

  // From telemetry (runtimeDone / initRuntimeDone, report / initReport).
  bool end_from_telemetry = false;
  std::string status;  // success | error | failure | timeout; "" when no runtimeDone arrived
  std::string error_type;
  std::string initialization_type;
  std::optional<double> runtime_duration_ms;  // runtimeDone metrics.durationMs
  bool reported = false;
  std::optional<double> duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb, init_duration_ms;
  std::string note;  // how the end was decided when it was not runtimeDone

  std::chrono::steady_clock::time_point end_known_at{};
  bool released = false;  // write now, without waiting for the report (FLUSH=invoke)
};

}  // namespace lambdascope::lambda::extension
