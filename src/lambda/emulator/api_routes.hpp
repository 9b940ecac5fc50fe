// The HTTP side of the three APIs: routes on an httplib server that turn requests into SandboxState and
// TelemetryDispatcher calls and their answers back into responses. Paths, headers, status codes and error
// bodies follow Lambda (and rapid, the code behind it, where the documentation says nothing).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lambda/emulator/sandbox_state.hpp"
#include "lambda/emulator/telemetry_dispatcher.hpp"

namespace httplib {
class Server;
}

namespace lambdascope::lambda {

// /2018-06-01/runtime/...
void add_runtime_api(httplib::Server& server, SandboxState& state);
// /2020-01-01/extension/...
void add_extensions_api(httplib::Server& server, SandboxState& state);

struct TelemetryApiContext {
  SandboxState* state = nullptr;
  TelemetryDispatcher* dispatcher = nullptr;
  bool enabled = true;
  // Called after a subscription is accepted (the emulator emits platform.telemetrySubscription).
  std::function<void(const std::string& agent, const std::vector<std::string>& types)> on_subscribed;
};
// /2022-07-01/telemetry, and the Logs API (/2020-08-15/logs) that answers like AWS's emulator.
void add_telemetry_api(httplib::Server& server, const TelemetryApiContext& context);

// A Telemetry API subscription body, validated like Lambda (schemaVersion, types, destination, buffering
// ranges). On error `error` holds the message of the 400 ValidationError answer.
std::optional<TelemetrySubscription> parse_telemetry_subscription(const std::string& body,
                                                                  std::vector<std::string>* types,
                                                                  std::string* error);

}  // namespace lambdascope::lambda
