#include "lambda/emulator/sandbox_state.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <regex>

#include "lambda/emulator/json.hpp"

namespace lambdascope::lambda {

namespace {

// Error types and messages as rapid renders them (internal/lambda/rapi/handler, rendering, core).
constexpr const char* kInvalidStateTransition = "InvalidStateTransition";
constexpr const char* kInvalidRequestId = "InvalidRequestID";
constexpr const char* kRequestTooLarge = "RequestEntityTooLarge";
constexpr const char* kAgentNameInvalid = "Extension.InvalidExtensionName";
constexpr const char* kAgentRegistrationClosed = "Extension.RegistrationClosed";
constexpr const char* kAgentIdentifierUnknown = "Extension.UnknownExtensionIdentifier";
constexpr const char* kAgentInvalidState = "Extension.InvalidExtensionState";
constexpr const char* kAgentMissingHeader = "Extension.MissingHeader";
constexpr const char* kTooManyExtensions = "Extension.TooManyExtensions";
constexpr const char* kInvalidEventType = "Extension.InvalidEventType";
constexpr const char* kInvalidRequestFormat = "InvalidRequestFormat";
constexpr const char* kNotAllowed = "State transition is not allowed";

ApiResponse error_response(int status, const std::string& type, const std::string& message) {
  return ApiResponse{status, error_body(type, message)};
}

ApiResponse accepted() {
  return ApiResponse{202, R"({"status":"OK"})"};
}

ApiResponse gone() {
  // The sandbox generation this request belonged to has been reset or shut down; its processes are being
  // killed, so the answer is never read.
  return error_response(500, "InternalServerError", "Internal Server Error");
}

}  // namespace

const char* runtime_state_name(RuntimeState s) {
  switch (s) {
    case RuntimeState::kNotStarted:
      return "NotStarted";
    case RuntimeState::kStarted:
      return "Started";
    case RuntimeState::kInitError:
      return "InitError";
    case RuntimeState::kReady:
      return "Ready";
    case RuntimeState::kRunning:
      return "Running";
    case RuntimeState::kResponseSent:
      return "RuntimeResponseSentState";
  }
  return "Unknown";
}

const char* agent_state_name(AgentState s) {
  switch (s) {
    case AgentState::kStarted:
      return "Started";
    case AgentState::kRegistered:
      return "Registered";
    case AgentState::kReady:
      return "Ready";
    case AgentState::kRunning:
      return "Running";
    case AgentState::kInitError:
      return "InitError";
    case AgentState::kExitError:
      return "ExitError";
    case AgentState::kShutdownFailed:
      return "ShutdownFailed";
    case AgentState::kExited:
      return "Exited";
    case AgentState::kLaunchError:
      return "LaunchError";
  }
  return "Unknown";
}

std::string valid_runtime_or_function_error_type(const std::string& header) {
  static const std::regex kValid("(Runtime|Function)\\.[A-Z][a-zA-Z]+");
  if (std::regex_search(header, kValid)) return header;
  if (header.rfind("Function.", 0) == 0) return "Function.Unknown";
  return "Runtime.Unknown";
}

// ---- Driver side ------------------------------------------------------------------------------------

void SandboxState::begin_generation(const FunctionMetadata& metadata,
                                    const std::vector<std::string>& external_agents) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    open_ = true;
    metadata_ = metadata;
    runtime_ = RuntimeState::kNotStarted;
    agents_.clear();
    for (const auto& name : external_agents) {
      Agent a;
      a.info.name = name;
      a.info.id = new_uuid();
      a.info.external = true;
      agents_.push_back(std::move(a));
    }
    registration_open_ = true;
    invoke_.reset();
    outcome_ = RuntimeOutcome{};
    fatal_.reset();
    init_error_.reset();
  }
  cv_.notify_all();
}

void SandboxState::end_generation() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    open_ = false;
    registration_open_ = false;
  }
  cv_.notify_all();
}

void SandboxState::mark_runtime_started() {
  std::lock_guard<std::mutex> lock(mu_);
  runtime_ = RuntimeState::kStarted;
}

void SandboxState::mark_agent_launch_error(const std::string& name, const std::string& error_type) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& a : agents_) {
      if (a.info.name == name && a.info.external) {
        a.info.state = AgentState::kLaunchError;
        a.info.error_type = error_type;
      }
    }
  }
  cv_.notify_all();
}

void SandboxState::set_fatal(const std::string& error_type, const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fatal_) fatal_ = FatalError{error_type, message};
  }
  cv_.notify_all();
}

std::optional<FatalError> SandboxState::fatal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

std::optional<InitError> SandboxState::init_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return init_error_;
}

template <class Pred>
WaitResult SandboxState::wait_locked(std::unique_lock<std::mutex>& lock, Clock::time_point deadline,
                                     Pred done) {
  while (true) {
    if (done()) return WaitResult::kDone;
    if (failed_locked()) return WaitResult::kFailed;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (done()) return WaitResult::kDone;
      if (failed_locked()) return WaitResult::kFailed;
      return WaitResult::kTimeout;
    }
  }
}

bool SandboxState::failed_locked() const {
  if (fatal_ || init_error_) return true;
  return std::any_of(agents_.begin(), agents_.end(), [](const Agent& a) {
    return a.info.state == AgentState::kInitError || a.info.state == AgentState::kExitError ||
           a.info.state == AgentState::kLaunchError;
  });
}

WaitResult SandboxState::wait_external_agents_registered(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] {
    return std::none_of(agents_.begin(), agents_.end(), [](const Agent& a) {
      return a.info.external && a.info.state == AgentState::kStarted;
    });
  });
}

WaitResult SandboxState::wait_runtime_ready(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] { return runtime_ == RuntimeState::kReady; });
}

void SandboxState::close_registration() {
  std::lock_guard<std::mutex> lock(mu_);
  registration_open_ = false;
}

WaitResult SandboxState::wait_agents_ready(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] {
    return std::all_of(agents_.begin(), agents_.end(), [](const Agent& a) {
      // An external extension that never registered has failed the init already (see failed_locked()).
      return a.info.state == AgentState::kReady;
    });
  });
}

void SandboxState::release_invoke(const InvokeEvent& event, const std::string& agent_event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    invoke_ = event;
    outcome_ = RuntimeOutcome{};
    for (auto& a : agents_) {
      a.released_for_invoke = a.info.invoke && a.info.state == AgentState::kReady;
      if (a.released_for_invoke) a.pending_event = agent_event;
    }
    if (runtime_ == RuntimeState::kReady) runtime_ = RuntimeState::kRunning;
  }
  cv_.notify_all();
}

WaitResult SandboxState::wait_runtime_response(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] { return outcome_.kind != RuntimeOutcome::Kind::kNone; });
}

WaitResult SandboxState::wait_runtime_next(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] { return runtime_ == RuntimeState::kReady; });
}

WaitResult SandboxState::wait_invoked_agents_ready(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] {
    return std::all_of(agents_.begin(), agents_.end(), [](const Agent& a) {
      return !a.released_for_invoke || (a.info.state == AgentState::kReady && !a.pending_event);
    });
  });
}

RuntimeOutcome SandboxState::outcome() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outcome_;
}

Clock::time_point SandboxState::runtime_ready_time() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runtime_ready_at_;
}

std::map<std::string, Clock::time_point> SandboxState::agent_ready_times() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, Clock::time_point> out;
  for (const auto& a : agents_) {
    if (a.released_for_invoke) out[a.info.name] = a.ready_at;
  }
  return out;
}

void SandboxState::release_shutdown(const std::string& agent_name, const std::string& event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& a : agents_) {
      if (a.info.name == agent_name && a.info.external) a.pending_event = event;
    }
  }
  cv_.notify_all();
}

bool SandboxState::wait_event_taken(const std::string& agent_name, Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] {
    for (const auto& a : agents_) {
      if (a.info.name == agent_name && a.pending_event) return false;
    }
    return true;
  });
}

void SandboxState::mark_agent_exited(const std::string& name, bool clean) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& a : agents_) {
    if (a.info.name == name && a.info.external) {
      a.info.state = clean ? AgentState::kExited : AgentState::kShutdownFailed;
    }
  }
}

std::vector<AgentInfo> SandboxState::agents() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AgentInfo> out;
  for (const auto& a : agents_) out.push_back(a.info);
  return out;
}

size_t SandboxState::agent_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(agents_.begin(), agents_.end(), [](const Agent& a) {
    return a.info.state != AgentState::kStarted && a.info.state != AgentState::kLaunchError;
  }));
}

RuntimeState SandboxState::runtime_state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runtime_;
}

// ---- Runtime API -----------------------------------------------------------------------------------

ApiResponse SandboxState::runtime_transition_refused_locked(const char* to) const {
  return error_response(403, kInvalidStateTransition,
                        fmt::format("State transition from {} to {} failed for runtime. Error: {}",
                                    runtime_state_name(runtime_), to, kNotAllowed));
}

ApiResponse SandboxState::render_invoke_locked() const {
  ApiResponse r;
  r.status = 200;
  r.body = invoke_->payload;
  r.content_type = invoke_->content_type.empty() ? "application/json" : invoke_->content_type;
  // The headers Lambda sends with every event (empty optional ones are left out, as rapid does).
  r.headers.emplace_back("Lambda-Runtime-Aws-Request-Id", invoke_->request_id);
  r.headers.emplace_back("Lambda-Runtime-Deadline-Ms", std::to_string(invoke_->deadline_ms));
  r.headers.emplace_back("Lambda-Runtime-Invoked-Function-Arn", invoke_->invoked_function_arn);
  if (!invoke_->trace_id.empty()) r.headers.emplace_back("Lambda-Runtime-Trace-Id", invoke_->trace_id);
  if (!invoke_->client_context.empty()) {
    r.headers.emplace_back("Lambda-Runtime-Client-Context", invoke_->client_context);
  }
  if (!invoke_->cognito_identity.empty()) {
    r.headers.emplace_back("Lambda-Runtime-Cognito-Identity", invoke_->cognito_identity);
  }
  return r;
}

ApiResponse SandboxState::runtime_next() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  uint64_t gen = generation_;
  switch (runtime_) {
    case RuntimeState::kStarted:
    case RuntimeState::kResponseSent:
      runtime_ = RuntimeState::kReady;
      runtime_ready_at_ = Clock::now();
      cv_.notify_all();
      break;
    case RuntimeState::kReady:
      break;  // a second waiting /next (rapid suspends it as well)
    case RuntimeState::kRunning:
      return render_invoke_locked();  // rapid hands the current event out again
    case RuntimeState::kNotStarted:
      // A runtime we did not start (an externally driven one in tests) announces itself with /next.
      runtime_ = RuntimeState::kReady;
      runtime_ready_at_ = Clock::now();
      cv_.notify_all();
      break;
    case RuntimeState::kInitError:
      return runtime_transition_refused_locked("Ready");
  }
  cv_.wait(lock, [&] { return generation_ != gen || (runtime_ == RuntimeState::kRunning && invoke_); });
  if (generation_ != gen) return gone();
  return render_invoke_locked();
}

ApiResponse SandboxState::runtime_response(const std::string& request_id, std::string body,
                                           const std::string& content_type, Clock::time_point started,
                                           Clock::time_point finished) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  // rapid validates the id before the state: an unknown or stale id is 400 whatever the state.
  if (!invoke_ || request_id.empty() || request_id != invoke_->request_id) {
    return error_response(400, kInvalidRequestId, "Invalid request ID");
  }
  if (runtime_ != RuntimeState::kRunning) return runtime_transition_refused_locked("InvocationResponse");
  outcome_ = RuntimeOutcome{};
  outcome_.response_start = started;
  outcome_.response_end = finished;
  outcome_.produced_bytes = body.size();
  runtime_ = RuntimeState::kResponseSent;
  ApiResponse answer;
  if (body.size() > kMaxResponsePayloadBytes) {
    outcome_.kind = RuntimeOutcome::Kind::kTooLarge;
    outcome_.error_type = "Function.ResponseSizeTooLarge";
    outcome_.content_type = "application/json";
    outcome_.body =
        error_body("Function.ResponseSizeTooLarge",
                   fmt::format("Response payload size exceeded maximum allowed payload size ({} bytes).",
                               kMaxResponsePayloadBytes));
    answer = error_response(
        413, kRequestTooLarge,
        fmt::format("Exceeded maximum allowed payload size ({} bytes).", kMaxResponsePayloadBytes));
  } else {
    outcome_.kind = RuntimeOutcome::Kind::kResponse;
    outcome_.body = std::move(body);
    outcome_.content_type = content_type;
    answer = accepted();
  }
  lock.unlock();
  cv_.notify_all();
  return answer;
}

ApiResponse SandboxState::runtime_error(const std::string& request_id, const std::string& error_type_header,
                                        std::string body, const std::string& content_type,
                                        Clock::time_point started, Clock::time_point finished) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  if (!invoke_ || request_id.empty() || request_id != invoke_->request_id) {
    return error_response(400, kInvalidRequestId, "Invalid request ID");
  }
  if (runtime_ != RuntimeState::kRunning) return runtime_transition_refused_locked("InvocationErrorResponse");
  outcome_ = RuntimeOutcome{};
  outcome_.kind = RuntimeOutcome::Kind::kError;
  outcome_.error_type = valid_runtime_or_function_error_type(error_type_header);
  outcome_.produced_bytes = body.size();
  outcome_.body = std::move(body);
  outcome_.content_type = content_type;
  outcome_.response_start = started;
  outcome_.response_end = finished;
  runtime_ = RuntimeState::kResponseSent;
  lock.unlock();
  cv_.notify_all();
  return accepted();
}

ApiResponse SandboxState::runtime_init_error(const std::string& error_type_header, std::string body,
                                             const std::string& content_type) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  if (runtime_ != RuntimeState::kStarted && runtime_ != RuntimeState::kNotStarted) {
    return runtime_transition_refused_locked("InitError");
  }
  runtime_ = RuntimeState::kInitError;
  init_error_ =
      InitError{valid_runtime_or_function_error_type(error_type_header), std::move(body), content_type};
  lock.unlock();
  cv_.notify_all();
  return accepted();
}

// ---- Extensions API --------------------------------------------------------------------------------

SandboxState::Agent* SandboxState::find_agent_locked(const std::string& id) {
  for (auto& a : agents_) {
    if (a.info.id == id && a.info.state != AgentState::kStarted) return &a;
  }
  return nullptr;
}

std::optional<std::string> SandboxState::agent_name(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& a : agents_) {
    if (a.info.id == id && a.info.state != AgentState::kStarted) return a.info.name;
  }
  return std::nullopt;
}

ApiResponse SandboxState::agent_register(const std::string& name, const std::string& body,
                                         const std::string& accept_feature) {
  if (name.empty()) return error_response(403, kAgentNameInvalid, "Empty extension name");

  // The body: {"events":["INVOKE","SHUTDOWN"]}. Anything that is not such an object is refused the way Go's
  // encoding/json refuses it in rapid; configurationKeys were removed from the API.
  std::vector<std::string> events;
  {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element doc;
    if (auto err = parser.parse(padded).get(doc)) {
      return error_response(403, kInvalidRequestFormat,
                            body.empty() ? "unexpected end of JSON input" : simdjson::error_message(err));
    }
    simdjson::dom::object obj;
    if (doc.get(obj)) return error_response(403, kInvalidRequestFormat, "request body is not a JSON object");
    simdjson::dom::element keys;
    if (!obj["configurationKeys"].get(keys)) {
      simdjson::dom::array arr;
      if (!keys.get(arr) && arr.size() != 0) {
        return error_response(403, kInvalidRequestFormat,
                              "configurationKeys are deprecated; use environment variables instead");
      }
    }
    simdjson::dom::element ev;
    if (!obj["events"].get(ev) && !ev.is_null()) {
      simdjson::dom::array arr;
      if (ev.get(arr))
        return error_response(403, kInvalidRequestFormat, "events must be an array of strings");
      for (auto e : arr) {
        std::string_view s;
        if (e.get(s)) return error_response(403, kInvalidRequestFormat, "events must be an array of strings");
        events.emplace_back(s);
      }
    }
  }

  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  Agent* agent = nullptr;
  for (auto& a : agents_) {
    if (a.info.name == name && a.info.external) agent = &a;
  }
  bool external = agent != nullptr;
  for (const auto& e : events) {
    if (e != "INVOKE" && e != "SHUTDOWN") {
      return error_response(403, kInvalidEventType, e + ": ErrorInvalidEventType");
    }
    if (!external && e == "SHUTDOWN") {
      return error_response(403, kInvalidEventType, e + ": ShutdownEventNotSupportedForInternalExtension");
    }
  }
  if (external) {
    if (agent->info.state != AgentState::kStarted) {
      return error_response(
          403, kAgentInvalidState,
          fmt::format("State transition from {} to Registered failed for extension {}. Error: {}",
                      agent_state_name(agent->info.state), name, kNotAllowed));
    }
  } else {
    // An internal extension: one the runtime process registers for itself during its init.
    if (!registration_open_)
      return error_response(403, kAgentRegistrationClosed, "Extension registration closed already");
    for (const auto& a : agents_) {
      if (a.info.name == name) {
        return error_response(403, kAgentInvalidState, "Extension with this name already registered");
      }
    }
    if (agents_.size() >= kMaxExtensions) {
      return error_response(403, kTooManyExtensions,
                            fmt::format("Extension limit ({}) reached", kMaxExtensions));
    }
    Agent a;
    a.info.name = name;
    a.info.id = new_uuid();
    a.info.external = false;
    agents_.push_back(std::move(a));
    agent = &agents_.back();
  }
  agent->info.state = AgentState::kRegistered;
  agent->info.invoke = std::find(events.begin(), events.end(), "INVOKE") != events.end();
  agent->info.shutdown = std::find(events.begin(), events.end(), "SHUTDOWN") != events.end();

  JsonObject out;
  out.str("functionName", metadata_.function_name)
      .str("functionVersion", metadata_.function_version)
      .str("handler", metadata_.handler);
  // Lambda-Extension-Accept-Feature is a comma-separated list; only accountId exists.
  size_t start = 0;
  while (start <= accept_feature.size()) {
    size_t comma = accept_feature.find(',', start);
    std::string feature =
        accept_feature.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    feature.erase(0, feature.find_first_not_of(" \t"));
    feature.erase(feature.find_last_not_of(" \t") + 1);
    if (feature == "accountId") {
      out.str("accountId", metadata_.account_id);
      break;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  ApiResponse r{200, out.done()};
  r.headers.emplace_back("Lambda-Extension-Identifier", agent->info.id);
  lock.unlock();
  cv_.notify_all();
  return r;
}

ApiResponse SandboxState::agent_next(const std::string& id) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  Agent* agent = find_agent_locked(id);
  if (!agent) return error_response(403, kAgentIdentifierUnknown, "Unknown extension " + id);
  AgentState s = agent->info.state;
  if (s != AgentState::kRegistered && s != AgentState::kRunning) {
    return error_response(403, kAgentInvalidState,
                          fmt::format("State transition from {} to Ready failed for extension {}. Error: {}",
                                      agent_state_name(s), id, kNotAllowed));
  }
  agent->info.state = AgentState::kReady;
  agent->ready_at = Clock::now();
  cv_.notify_all();
  uint64_t gen = generation_;
  std::string name = agent->info.name;
  cv_.wait(lock, [&] {
    if (generation_ != gen) return true;
    Agent* a = find_agent_locked(id);
    return a && a->pending_event.has_value();
  });
  if (generation_ != gen) return gone();
  agent = find_agent_locked(id);
  ApiResponse r{200, std::move(*agent->pending_event)};
  agent->pending_event.reset();
  agent->info.state = AgentState::kRunning;
  r.headers.emplace_back("Lambda-Extension-Event-Identifier", new_uuid());
  lock.unlock();
  cv_.notify_all();
  return r;
}

ApiResponse SandboxState::agent_init_error(const std::string& id, const std::string& error_type) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  if (error_type.empty()) {
    return error_response(403, kAgentMissingHeader, "Lambda-Extension-Function-Error-Type not found");
  }
  Agent* agent = find_agent_locked(id);
  if (!agent) return error_response(403, kAgentIdentifierUnknown, "Unknown Lambda-Extension-Identifier");
  if (agent->info.state == AgentState::kInitError) return accepted();  // only the first error counts
  if (agent->info.state != AgentState::kRegistered) {
    return error_response(
        403, kAgentInvalidState,
        fmt::format("State transition from {} to InitError failed for extension {}. Error: {}",
                    agent_state_name(agent->info.state), id, kNotAllowed));
  }
  agent->info.state = AgentState::kInitError;
  agent->info.error_type = error_type;
  lock.unlock();
  cv_.notify_all();
  return accepted();
}

ApiResponse SandboxState::agent_exit_error(const std::string& id, const std::string& error_type) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  if (error_type.empty()) {
    return error_response(403, kAgentMissingHeader, "Lambda-Extension-Function-Error-Type not found");
  }
  Agent* agent = find_agent_locked(id);
  if (!agent) return error_response(403, kAgentIdentifierUnknown, "Unknown Lambda-Extension-Identifier");
  AgentState s = agent->info.state;
  if (s == AgentState::kExitError) return accepted();
  if (s != AgentState::kRegistered && s != AgentState::kReady && s != AgentState::kRunning) {
    return error_response(
        403, kAgentInvalidState,
        fmt::format("State transition from {} to ExitError failed for extension {}. Error: {}",
                    agent_state_name(s), id, kNotAllowed));
  }
  agent->info.state = AgentState::kExitError;
  agent->info.error_type = error_type;
  lock.unlock();
  cv_.notify_all();
  return accepted();
}

}  // namespace lambdascope::lambda
