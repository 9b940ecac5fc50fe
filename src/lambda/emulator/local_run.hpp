// `lambdascope local`'s run: events in, one line per invocation out (the response, or a JSON summary of the
// invocation), then SHUTDOWN. Kept beside the emulator so the command only maps flags onto it.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "lambda/emulator/emulator.hpp"

namespace lambdascope::lambda {

// One invocation as `local --json` prints it: response, status, and the durations of the REPORT line.
std::string invoke_result_json(const InvokeResult& r);

struct LocalRun {
  std::vector<std::string> events;  // payloads; they repeat when `count` is larger
  size_t count = 0;
  std::chrono::milliseconds interval{0};  // idle between invocations (frozen: what sparse requests cost)
  bool json = false;                      // print invoke_result_json instead of the response payload
};

// Runs the invocations on stdout, shuts the environment down, and returns the summary
// ("20 invocations: 19 success, 1 timeout").
std::string run_local(Emulator& emulator, const LocalRun& run);

// KEY=VALUE assignments (`--env`) into a map; throws std::invalid_argument naming a malformed one.
void add_env_assignments(const std::vector<std::string>& assignments,
                         std::map<std::string, std::string>& environment);

}  // namespace lambdascope::lambda
