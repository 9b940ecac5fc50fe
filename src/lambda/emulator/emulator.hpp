// `lambdascope local`: an AWS Lambda execution environment on localhost, as a library.
//
// It serves the Runtime API (2018-06-01), the Extensions API (2020-01-01) and the Telemetry API
// (2022-07-01) on 127.0.0.1, and runs a function the way Lambda does: external extensions from an
// extensions folder first and registered before the runtime starts, the runtime (a `bootstrap`, or Node.js
// through AWS's aws-lambda-ric, optionally behind AWS_LAMBDA_EXEC_WRAPPER) with Lambda's environment
// variables, init limited to 10 s, each invocation to the function timeout, every process frozen (SIGSTOP)
// between invocations, a reset (SHUTDOWN to extensions, re-init on the next invocation) after a crash or a
// timeout, and SHUTDOWN with a 2,000 ms deadline then SIGKILL at the end. Telemetry (platform.initStart ...
// platform.report, function and extension log lines) goes to subscribers with Lambda's buffering.
//
// It never binds anything but the given host (127.0.0.1 by default), never writes the function's
// environment (which may hold credentials) to its logs, and runs one invocation at a time, as a Lambda
// execution environment does. docs/lambda-local.md lists where it differs from Lambda.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lambdascope::lambda {

// Where a log line comes from. kPlatform lines are the ones Lambda itself writes to CloudWatch
// (INIT_START, START, END, REPORT, INIT_REPORT, "Task timed out ...").
enum class LogSource { kPlatform, kFunction, kExtension };
using LogSink = std::function<void(LogSource source, const std::string& process, const std::string& line)>;

struct EmulatorOptions {
  std::string function_dir;    // the code, LAMBDA_TASK_ROOT
  std::string handler;         // _HANDLER; default index.handler (Node.js) or "handler" (bootstrap)
  std::string extensions_dir;  // executables started as external extensions (Lambda's /opt/extensions)
  std::string function_name;   // default: the function folder's name
  std::string function_version = "$LATEST";
  std::string region = "us-east-1";
  std::string account_id = "012345678912";  // the account AWS's emulator uses
  int memory_mb = 128;
  // Give the runtime and extensions Lambda's CPU share and memory for memory_mb (sandbox_limits.hpp); when
  // the groups cannot be made, one platform log line says so and the sandbox runs without limits.
  bool enforce_limits = false;
  std::chrono::milliseconds timeout{3000};
  std::chrono::milliseconds init_timeout{10000};
  // With at least one external extension; 500 ms with internal extensions only, none without extensions.
  std::chrono::milliseconds shutdown_timeout{2000};
  bool telemetry = true;  // false: PUT /telemetry answers 202 Telemetry.NotSupported like AWS's emulator
  bool freeze = true;
  // The function's environment variables (Lambda's "Environment variables"; reserved names are refused).
  std::map<std::string, std::string> environment;
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port

  // How the runtime starts. Empty: `bootstrap` in function_dir, else Node.js with aws-lambda-ric.
  std::vector<std::string> runtime_command;
  std::string ric_path;   // aws-lambda-ric's index.mjs; empty: node_modules searched upward from function_dir
  std::string node_path;  // empty: `node` on PATH

  // For drivers in the same process (tests, the extension's own tests): no runtime process is started and
  // something else calls the Runtime API; these extension names are expected to register as external
  // extensions without a process being started for them.
  bool external_runtime = false;
  std::vector<std::string> external_extensions;

  LogSink on_log;  // every log line; default: written to stderr
};

struct InitReport {
  std::string phase;   // "init", or "invoke" for an init re-run inside an invocation (after a reset)
  std::string status;  // success | error | failure | timeout
  std::string error_type;
  double duration_ms = 0;
};

struct InvokeRequest {
  std::string payload = "{}";
  std::string client_context;    // JSON, becomes Lambda-Runtime-Client-Context
  std::string cognito_identity;  // JSON, becomes Lambda-Runtime-Cognito-Identity
  std::string trace_id;          // default: a new Root=1-...;Parent=...;Sampled=0
};

struct InvokeResult {
  std::string request_id;
  std::string status;              // success | error | failure | timeout (platform.report's status)
  std::string error_type;          // set unless success
  bool function_error = false;     // the payload is an error (Lambda's X-Amz-Function-Error: Unhandled)
  bool environment_reset = false;  // a timeout or crash reset the sandbox; the next invocation re-inits
  std::string payload;             // the function's response, or the error Lambda returns to the caller
  std::string content_type;
  double duration_ms = 0;  // platform.report durationMs: includes extensions' post-runtime work
  int64_t billed_duration_ms = 0;
  int memory_size_mb = 0;
  int max_memory_used_mb = 0;
  std::optional<double> init_duration_ms;  // the cold start reported with this invocation
  double runtime_duration_ms = 0;          // platform.runtimeDone durationMs
  double post_runtime_extensions_duration_ms = 0;
  std::optional<InitReport> init;  // an init that ran inside this invocation
};

struct ShutdownReport {
  std::string reason;
  double duration_ms = 0;
  std::vector<std::string> killed;  // processes SIGKILLed at the deadline
};

class Emulator {
 public:
  // Checks the options and starts serving the APIs; throws std::invalid_argument for bad options.
  explicit Emulator(EmulatorOptions options);
  ~Emulator();  // shuts down if shutdown() was not called
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // host:port, the value of AWS_LAMBDA_RUNTIME_API.
  std::string runtime_api() const;
  // The init phase (cold start); invoke() runs it when it has not run. Returns its platform.initReport.
  InitReport init();
  InvokeResult invoke(const InvokeRequest& request);
  // SHUTDOWN (reason spindown); later calls return the first report.
  ShutdownReport shutdown();

  // Every platform.* event emitted so far (JSON objects as delivered to subscribers), in order.
  std::vector<std::string> platform_events() const;
  // The live runtime and extension processes (the roots of the sandbox's process trees).
  std::vector<pid_t> sandbox_pids() const;
  bool frozen() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Lambda's REPORT line for an invocation ("REPORT RequestId: ...\tDuration: 1.23 ms\t...").
std::string report_line(const InvokeResult& r);

}  // namespace lambdascope::lambda
