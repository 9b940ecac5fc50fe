// The bodies of the platform.* telemetry records (and the extensions' INVOKE event) the emulator emits, in
// the field order of AWS's examples. Pure functions from what happened to JSON; the lifecycle driver
// (emulator.cpp) decides when each is emitted.
#pragma once

#include <string>
#include <vector>

#include "lambda/common/ids.hpp"
#include "lambda/emulator/emulator.hpp"
#include "lambda/emulator/sandbox_state.hpp"

namespace lambdascope::lambda {

// The X-Ray ids of one invocation, as its records carry them.
struct InvocationTrace {
  std::string trace_id;
  std::string span_id;  // empty in the extensions' INVOKE event
  std::string json() const;
};
std::string random_span_id();

std::string init_start_record(const std::string& phase, const std::string& runtime_version);
// platform.initRuntimeDone
std::string init_done_record(const std::string& phase, const std::string& status,
                             const std::string& error_type);
std::string init_report_record(const std::string& phase, const std::string& status,
                               const std::string& error_type, double duration_ms);
std::string extension_record(const AgentInfo& extension);

std::string start_record(const std::string& request_id, const std::string& version,
                         const InvocationTrace& trace);
// The INVOKE event handed to extensions subscribed to it.
std::string invoke_event(const InvokeEvent& event, const InvocationTrace& trace);

// platform.runtimeDone. The spans are written when the runtime answered (outcome.kind != kNone); the
// runtimeOverhead span only when it also came back to /next (`runtime_done`).
struct RuntimeDoneFacts {
  Clock::time_point released{}, runtime_done_at{};
  bool runtime_done = false;
};
std::string runtime_done_record(const InvokeResult& r, const RuntimeOutcome& outcome,
                                const RuntimeDoneFacts& facts, const InvocationTrace& trace);
// platform.runtimeDone of an invocation whose init failed before it reached the runtime.
std::string failed_init_runtime_done_record(const InvokeResult& r);
std::string report_record(const InvokeResult& r, const InvocationTrace& trace);

}  // namespace lambdascope::lambda
