// The state machines behind the Runtime and Extensions APIs, modelled on AWS's rapid (the init process of
// every Lambda sandbox, open-sourced in aws-lambda-runtime-interface-emulator): the runtime's states
// (Started -> Ready -> Running -> ResponseSent -> Ready ...), each extension's states (Started ->
// Registered -> Ready -> Running -> Ready ...), the invocation in flight and the first fatal error.
//
// Two sides use it. API handlers (one HTTP thread each) call the runtime_* (sandbox_runtime_api.cpp) and
// agent_* (sandbox_extensions_api.cpp) methods, which validate like rapid, change state, and block where
// Lambda blocks (/next until there is an event). The lifecycle driver (emulator.cpp) calls begin_generation /
// release_* / wait_* (sandbox_state.cpp) to run init, invokes and shutdown. One mutex and one condition
// variable guard everything: the traffic is a few requests per invocation, and a single lock makes every
// transition easy to reason about.
//
// A "generation" is one life of the runtime and its extensions; a reset (crash, timeout) ends it. Handlers
// blocked on behalf of processes of an ended generation return at once (those processes are being killed).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lambda/common/ids.hpp"

namespace lambdascope::lambda {

// What an API handler answers.
struct ApiResponse {
  ApiResponse() = default;
  ApiResponse(int s, std::string b) : status(s), body(std::move(b)) {}
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Response bodies larger than this are refused (rapid's interop.MaxPayloadSize: 6 MiB + 100 bytes).
constexpr size_t kMaxResponsePayloadBytes = 6 * 1024 * 1024 + 100;
// A synchronous invocation's event may be at most 6 MB (Lambda answers RequestEntityTooLargeException).
constexpr size_t kMaxEventPayloadBytes = 6 * 1024 * 1024;
// Lambda allows at most 10 extensions per function.
constexpr size_t kMaxExtensions = 10;

struct FunctionMetadata {
  std::string function_name;
  std::string function_version;
  std::string handler;
  std::string account_id;
};

// One invocation as the runtime receives it from GET /next.
struct InvokeEvent {
  std::string request_id;
  std::string payload;
  std::string content_type = "application/json";
  int64_t deadline_ms = 0;  // Unix epoch milliseconds
  std::string invoked_function_arn;
  std::string trace_id;
  std::string client_context;    // JSON, optional
  std::string cognito_identity;  // JSON, optional
};

// What the runtime did with the invocation.
struct RuntimeOutcome {
  enum class Kind { kNone, kResponse, kError, kTooLarge };
  Kind kind = Kind::kNone;
  std::string body;
  std::string content_type;
  std::string error_type;  // for kError / kTooLarge, validated like rapid
  size_t produced_bytes = 0;
  Clock::time_point response_start{}, response_end{};
};

struct FatalError {
  std::string error_type;  // Runtime.ExitError, Extension.Crash, ...
  std::string message;
};

struct InitError {
  std::string error_type;
  std::string body;
  std::string content_type;
};

enum class RuntimeState { kNotStarted, kStarted, kInitError, kReady, kRunning, kResponseSent };
enum class ExtensionState {
  kStarted,
  kRegistered,
  kReady,
  kRunning,
  kInitError,
  kExitError,
  kShutdownFailed,
  kExited,
  kLaunchError
};

const char* runtime_state_name(RuntimeState s);
const char* extension_state_name(ExtensionState s);

// A registered (or launched) extension as the driver sees it.
struct AgentInfo {
  std::string name;
  std::string id;
  bool external = true;
  ExtensionState state = ExtensionState::kStarted;
  bool invoke = false, shutdown = false;  // subscriptions
  std::string error_type;                 // from /init/error or /exit/error
};

// Why a wait_* call returned.
enum class WaitResult { kDone, kFailed, kTimeout };

class SandboxState {
 public:
  // ---- Driver side ----------------------------------------------------------------------------------
  // Starts a new generation: forgets the previous runtime, extensions and invocation, wakes every handler
  // still blocked for the old one, and expects `external_agents` (names of the extensions being launched).
  void begin_generation(const FunctionMetadata& metadata, const std::vector<std::string>& external_agents);
  // Ends the current generation (reset or shutdown): blocked handlers return, later calls are refused.
  void end_generation();
  void mark_runtime_started();
  void mark_agent_launch_error(const std::string& name, const std::string& error_type);
  // Records the first fatal error of the generation (later ones are ignored, as in rapid).
  void set_fatal(const std::string& error_type, const std::string& message);
  std::optional<FatalError> fatal() const;
  std::optional<InitError> init_error() const;

  // Init phase. kFailed means an extension or the runtime reported or caused an error (see fatal(),
  // init_error(), agents()).
  WaitResult wait_external_agents_registered(Clock::time_point deadline);
  WaitResult wait_runtime_ready(Clock::time_point deadline);  // first GET /next
  void close_registration();
  WaitResult wait_agents_ready(Clock::time_point deadline);  // every registered extension called /next

  // Invoke phase. `agent_event` is the INVOKE event JSON for extensions subscribed to INVOKE.
  void release_invoke(const InvokeEvent& event, const std::string& agent_event);
  WaitResult wait_runtime_response(Clock::time_point deadline);
  WaitResult wait_runtime_next(Clock::time_point deadline);          // GET /next after the response
  WaitResult wait_invoked_agents_ready(Clock::time_point deadline);  // extensions back in /next
  RuntimeOutcome outcome() const;
  Clock::time_point runtime_ready_time() const;
  // When each extension released for the current invocation called /next again.
  std::map<std::string, Clock::time_point> agent_ready_times() const;

  // Shutdown: hands `event` to the extension (it must be subscribed to SHUTDOWN and waiting in /next or
  // about to call it).
  void release_shutdown(const std::string& agent_name, const std::string& event);
  // Whether the extension took its pending event (GET /event/next returned it) before `deadline`; for
  // extensions driven in-process, which have no process whose exit could be awaited.
  bool wait_event_taken(const std::string& agent_name, Clock::time_point deadline);
  void mark_agent_exited(const std::string& name, bool clean);

  std::vector<AgentInfo> agents() const;
  size_t agent_count() const;
  RuntimeState runtime_state() const;

  // ---- Runtime API (2018-06-01) ---------------------------------------------------------------------
  ApiResponse runtime_next();
  ApiResponse runtime_response(const std::string& request_id, std::string body,
                               const std::string& content_type, Clock::time_point started,
                               Clock::time_point finished);
  ApiResponse runtime_error(const std::string& request_id, const std::string& error_type_header,
                            std::string body, const std::string& content_type, Clock::time_point started,
                            Clock::time_point finished);
  ApiResponse runtime_init_error(const std::string& error_type_header, std::string body,
                                 const std::string& content_type);

  // ---- Extensions API (2020-01-01) ------------------------------------------------------------------
  ApiResponse agent_register(const std::string& name, const std::string& body,
                             const std::string& accept_feature);
  ApiResponse agent_next(const std::string& id);
  ApiResponse agent_init_error(const std::string& id, const std::string& error_type);
  ApiResponse agent_exit_error(const std::string& id, const std::string& error_type);
  // The extension's name for a Lambda-Extension-Identifier, if it belongs to this generation.
  std::optional<std::string> agent_name(const std::string& id) const;

 private:
  struct Agent {
    AgentInfo info;
    std::optional<std::string> pending_event;  // handed out by the next (or the waiting) GET /event/next
    bool released_for_invoke = false;
    Clock::time_point ready_at{};
  };
  template <class Pred>
  WaitResult wait_locked(std::unique_lock<std::mutex>& lock, Clock::time_point deadline, Pred done);
  bool failed_locked() const;
  // Holds the first call of a runtime or extension the emulator did not start (an externally driven one in
  // tests) until the first init has begun, instead of answering that the environment is gone: such a call
  // can come before init() when the caller's thread runs first, and init would then wait for it in vain.
  void wait_for_first_generation_locked(std::unique_lock<std::mutex>& lock);
  Agent* find_agent_locked(const std::string& id);
  ApiResponse render_invoke_locked() const;
  ApiResponse runtime_transition_refused_locked(const char* to) const;
  // /init/error and /exit/error: the extension goes to `to` from one of the `from` states.
  ApiResponse agent_error(const std::string& id, const std::string& error_type, ExtensionState to,
                          std::initializer_list<ExtensionState> from);
  // Why a /response or /error for `request_id` is refused, if it is.
  std::optional<ApiResponse> refuse_invocation_result_locked(const std::string& request_id,
                                                             const char* transition) const;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  bool open_ = false;  // false between end_generation() and begin_generation()
  FunctionMetadata metadata_;
  RuntimeState runtime_ = RuntimeState::kNotStarted;
  std::vector<Agent> agents_;
  bool registration_open_ = false;
  std::optional<InvokeEvent> invoke_;
  RuntimeOutcome outcome_;
  Clock::time_point runtime_ready_at_{};
  std::optional<FatalError> fatal_;
  std::optional<InitError> init_error_;
};

// The error type rapid records for a Lambda-Runtime-Function-Error-Type header: kept when it looks like
// `Runtime.Xxx` or `Function.Xxx`, else Function.Unknown / Runtime.Unknown.
std::string valid_runtime_or_function_error_type(const std::string& header);

}  // namespace lambdascope::lambda
