// The HTTP endpoint Lambda delivers Telemetry API batches to. Binds an ephemeral port: inside Lambda on
// every address of the sandbox (Lambda posts to sandbox.localdomain, whose address we do not choose), and on
// 127.0.0.1 elsewhere (sandbox.localdomain does not resolve there; `lambdascope local` delivers to
// 127.0.0.1), so a local run never opens a port to the network. Each batch is parsed and handed to the
// callback; malformed batches are logged and answered 200 (a retry would not fix them).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "lambda/extension/telemetry_event.hpp"

namespace httplib {
class Server;
}

namespace lambdascope::lambda::extension {

class TelemetryListener {
 public:
  using Callback = std::function<void(const TelemetryBatch&)>;
  explicit TelemetryListener(Callback callback);
  ~TelemetryListener();

  // Binds and starts serving; returns the port, or 0 (with `error`) when it could not bind.
  int start(std::string* error);
  void stop();

 private:
  Callback callback_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace lambdascope::lambda::extension
