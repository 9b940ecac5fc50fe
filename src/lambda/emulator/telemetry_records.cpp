#include "lambda/emulator/telemetry_records.hpp"

#include "lambda/common/json.hpp"

namespace lambdascope::lambda {

namespace {

std::string span_json(const char* name, Clock::time_point start, double duration_ms) {
  return JsonObject().str("name", name).str("start", iso8601_ms(start)).ms("durationMs", duration_ms).done();
}

JsonObject& init_fields(JsonObject& o, const std::string& phase, const std::string& status,
                        const std::string& error_type) {
  o.str("initializationType", "on-demand").str("phase", phase).str("status", status);
  if (!error_type.empty()) o.str("errorType", error_type);
  return o;
}

}  // namespace

std::string InvocationTrace::json() const {
  JsonObject t;
  if (!span_id.empty()) t.str("spanId", span_id);
  return t.str("type", "X-Amzn-Trace-Id").str("value", trace_id).done();
}

std::string random_span_id() {
  return new_uuid().substr(0, 8) + new_uuid().substr(0, 8);
}

std::string init_start_record(const std::string& phase, const std::string& runtime_version) {
  JsonObject o;
  o.str("initializationType", "on-demand").str("phase", phase);
  if (!runtime_version.empty()) o.str("runtimeVersion", runtime_version);
  return o.done();
}

std::string init_done_record(const std::string& phase, const std::string& status,
                             const std::string& error_type) {
  JsonObject o;
  return init_fields(o, phase, status, error_type).done();
}

std::string init_report_record(const std::string& phase, const std::string& status,
                               const std::string& error_type, double duration_ms) {
  JsonObject o;
  init_fields(o, phase, status, error_type).raw("metrics", JsonObject().ms("durationMs", duration_ms).done());
  return o.done();
}

std::string extension_record(const AgentInfo& extension) {
  std::vector<std::string> events;
  if (extension.invoke) events.push_back("INVOKE");
  if (extension.shutdown) events.push_back("SHUTDOWN");
  return JsonObject()
      .str("name", extension.name)
      .str("state", extension_state_name(extension.state))
      .str_array("events", events)
      .done();
}

std::string start_record(const std::string& request_id, const std::string& version,
                         const InvocationTrace& trace) {
  return JsonObject()
      .str("requestId", request_id)
      .str("version", version)
      .raw("tracing", trace.json())
      .done();
}

std::string invoke_event(const InvokeEvent& event, const InvocationTrace& trace) {
  return JsonObject()
      .str("eventType", "INVOKE")
      .num("deadlineMs", event.deadline_ms)
      .str("requestId", event.request_id)
      .str("invokedFunctionArn", event.invoked_function_arn)
      .raw("tracing", InvocationTrace{trace.trace_id, ""}.json())
      .done();
}

std::string runtime_done_record(const InvokeResult& r, const RuntimeOutcome& outcome,
                                const RuntimeDoneFacts& facts, const InvocationTrace& trace) {
  JsonObject done;
  done.str("requestId", r.request_id).str("status", r.status);
  if (!r.error_type.empty()) done.str("errorType", r.error_type);
  JsonObject metrics;
  metrics.ms("durationMs", r.runtime_duration_ms)
      .num("producedBytes", static_cast<uint64_t>(outcome.produced_bytes));
  done.raw("metrics", metrics.done());
  if (outcome.kind != RuntimeOutcome::Kind::kNone) {
    std::vector<std::string> spans{
        span_json("responseLatency", facts.released, ms_between(facts.released, outcome.response_start)),
        span_json("responseDuration", outcome.response_start,
                  ms_between(outcome.response_start, outcome.response_end))};
    if (facts.runtime_done) {
      spans.push_back(span_json("runtimeOverhead", outcome.response_end,
                                ms_between(outcome.response_end, facts.runtime_done_at)));
    }
    done.raw("spans", json_array(spans));
  }
  done.raw("tracing", trace.json());
  return done.done();
}

std::string failed_init_runtime_done_record(const InvokeResult& r) {
  JsonObject done;
  done.str("requestId", r.request_id).str("status", r.status).str("errorType", r.error_type);
  done.raw("metrics", JsonObject().ms("durationMs", 0).num("producedBytes", 0).done());
  return done.done();
}

std::string report_record(const InvokeResult& r, const InvocationTrace& trace) {
  JsonObject metrics;
  metrics.ms("durationMs", r.duration_ms)
      .num("billedDurationMs", r.billed_duration_ms)
      .num("memorySizeMB", r.memory_size_mb)
      .num("maxMemoryUsedMB", r.max_memory_used_mb);
  if (r.init_duration_ms) metrics.ms("initDurationMs", *r.init_duration_ms);
  JsonObject rec;
  rec.str("requestId", r.request_id).str("status", r.status);
  if (!r.error_type.empty()) rec.str("errorType", r.error_type);
  rec.raw("metrics", metrics.done()).raw("tracing", trace.json());
  return rec.done();
}

}  // namespace lambdascope::lambda
