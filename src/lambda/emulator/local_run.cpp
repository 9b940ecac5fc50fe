#include "lambda/emulator/local_run.hpp"

#include <cstdio>
#include <map>
#include <stdexcept>
#include <thread>

#include "lambda/common/json.hpp"

namespace lambdascope::lambda {

std::string invoke_result_json(const InvokeResult& r) {
  JsonObject o;
  o.str("requestId", r.request_id).str("status", r.status);
  if (!r.error_type.empty()) o.str("errorType", r.error_type);
  o.boolean("functionError", r.function_error).boolean("environmentReset", r.environment_reset);
  if (is_json(r.payload)) {
    o.raw("response", r.payload);
  } else {
    o.str("response", r.payload);
  }
  o.ms("durationMs", r.duration_ms)
      .num("billedDurationMs", r.billed_duration_ms)
      .num("memorySizeMB", r.memory_size_mb)
      .num("maxMemoryUsedMB", r.max_memory_used_mb);
  if (r.init_duration_ms) o.ms("initDurationMs", *r.init_duration_ms);
  o.ms("runtimeDurationMs", r.runtime_duration_ms)
      .ms("postRuntimeExtensionsDurationMs", r.post_runtime_extensions_duration_ms);
  if (r.init) {
    JsonObject init;
    init.str("phase", r.init->phase).str("status", r.init->status);
    if (!r.init->error_type.empty()) init.str("errorType", r.init->error_type);
    init.ms("durationMs", r.init->duration_ms);
    o.raw("init", init.done());
  }
  return o.done();
}

std::string run_local(Emulator& emulator, const LocalRun& run) {
  std::map<std::string, int> statuses;
  for (size_t i = 0; i < run.count; ++i) {
    if (i != 0 && run.interval.count() > 0) std::this_thread::sleep_for(run.interval);
    InvokeRequest request;
    request.payload = run.events[i % run.events.size()];
    InvokeResult r = emulator.invoke(request);
    statuses[r.status]++;
    std::printf("%s\n", run.json ? invoke_result_json(r).c_str() : r.payload.c_str());
    std::fflush(stdout);
  }
  emulator.shutdown();
  std::string summary = std::to_string(run.count) + (run.count == 1 ? " invocation: " : " invocations: ");
  bool first = true;
  for (const auto& [status, n] : statuses) {
    summary += (first ? "" : ", ") + std::to_string(n) + " " + status;
    first = false;
  }
  return summary;
}

void add_env_assignments(const std::vector<std::string>& assignments,
                         std::map<std::string, std::string>& environment) {
  for (const auto& kv : assignments) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("--env expects KEY=VALUE, got '" + kv + "'");
    environment[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
}

}  // namespace lambdascope::lambda
