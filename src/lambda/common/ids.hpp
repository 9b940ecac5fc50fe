// Identifiers and clocks as Lambda formats them: request and extension ids (UUID v4), X-Ray trace headers,
// log stream names, and the ISO 8601 timestamps of telemetry events.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace lambdascope::lambda {

using Clock = std::chrono::steady_clock;

std::string new_uuid();  // random (version 4) UUID, lower-case hex
bool is_uuid(const std::string& text);

// `Root=1-<epoch seconds hex>-<96 random bits>;Parent=<64 random bits>;Sampled=0`, the shape of
// Lambda-Runtime-Trace-Id and _X_AMZN_TRACE_ID (Sampled=0: nothing here sends segments to X-Ray).
std::string new_trace_id();

// `YYYY/MM/DD/[$LATEST]<32 hex>`, as AWS_LAMBDA_LOG_STREAM_NAME looks on Lambda.
std::string new_log_stream_name(const std::string& version);

int64_t epoch_ms_now();
int64_t epoch_ns_now();
// Unix epoch milliseconds for a steady-clock instant (Lambda's deadlines are epoch ms; we measure on the
// steady clock so wall-clock steps cannot shorten a timeout).
int64_t to_epoch_ms(Clock::time_point t);
// `2022-10-12T00:00:15.064Z`: telemetry `time` fields and span starts (Go layout 2006-01-02T15:04:05.000Z).
std::string iso8601_ms(int64_t epoch_ms);
std::string iso8601_ms(Clock::time_point t);

// Milliseconds between two steady instants, with microsecond resolution (rapid's CalculateDuration).
double ms_between(Clock::time_point from, Clock::time_point to);

}  // namespace lambdascope::lambda
