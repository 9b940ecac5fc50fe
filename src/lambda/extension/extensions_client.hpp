// The Extensions API (2020-01-01) and the Telemetry API subscription (2022-07-01), as an external
// extension calls them: register for INVOKE and SHUTDOWN under the extension's file name, then block in
// GET /event/next (no client timeout: the process is frozen while it waits).
#pragma once

#include <memory>
#include <string>

#include "lambda/extension/lifecycle_event.hpp"

namespace httplib {
class Client;
}

namespace lambdascope::lambda::extension {

enum class TelemetrySubscription {
  kSubscribed,
  kNotSupported,  // 202 {"errorType":"Telemetry.NotSupported"}: AWS's emulator, `local --no-telemetry`
  kRefused,       // anything else; the extension falls back as for kNotSupported
};

class ExtensionsClient {
 public:
  explicit ExtensionsClient(const std::string& runtime_api);  // host:port
  ~ExtensionsClient();

  // POST /register; false with `error` set when Lambda refused or did not answer.
  bool register_extension(const std::string& name, std::string* error);
  // GET /event/next; kUnknown with `error` on a transport failure or an unexpected answer.
  LifecycleEvent next();
  // PUT /telemetry for platform events to http://sandbox.localdomain:<port>/, delivered at most
  // `buffer_ms` (25 to 30,000) after the first event of a batch.
  TelemetrySubscription subscribe_telemetry(int port, int buffer_ms, std::string* detail);

  const std::string& identifier() const { return id_; }
  const std::string& function_name() const { return function_name_; }  // from the register answer

 private:
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<httplib::Client> next_client_;  // kept alive; blocks in /next
  std::string id_;
  std::string function_name_;
};

}  // namespace lambdascope::lambda::extension
