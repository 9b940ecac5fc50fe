// The platform events of the Telemetry API (schema 2022-12-13) that the window cutter uses, parsed from one
// delivery (a JSON array of {"time","type","record"}). Anything malformed is skipped and counted, never
// fatal: the body comes over a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambdascope::lambda::extension {

struct TelemetryEvent {
  std::string type;  // platform.start, platform.runtimeDone, platform.report, platform.initRuntimeDone, ...
  int64_t time_ns = 0;     // Unix epoch ns of the "time" field
  std::string request_id;  // invocation events
  std::string status;      // runtimeDone, report, initRuntimeDone
  std::string error_type;
  std::string phase;                // init events: "init" or "invoke"
  std::string initialization_type;  // init events
  std::optional<double> duration_ms, billed_duration_ms, memory_size_mb, max_memory_used_mb, init_duration_ms;
};

struct TelemetryBatch {
  std::vector<TelemetryEvent> events;  // only platform.* events, in delivery order
  size_t skipped = 0;                  // malformed entries
  std::string error;                   // the body as a whole was not a JSON array
};

TelemetryBatch parse_telemetry(std::string_view body);

// "2022-10-12T00:00:15.064Z" (any number of fraction digits, 'Z' or a +hh:mm offset) -> Unix ns.
std::optional<int64_t> parse_iso8601_ns(std::string_view text);

}  // namespace lambdascope::lambda::extension
