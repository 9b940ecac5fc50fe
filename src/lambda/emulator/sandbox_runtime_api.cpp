// SandboxState's Runtime API side (2018-06-01): what the runtime's requests do to the sandbox's state.
#include "lambda/emulator/sandbox_state.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <regex>

#include "lambda/emulator/sandbox_api_responses.hpp"

namespace lambdascope::lambda {

using namespace sandbox_api;

// ---- Runtime API -----------------------------------------------------------------------------------

ApiResponse SandboxState::runtime_transition_refused_locked(const char* to) const {
  return error_response(403, kInvalidStateTransition,
                        fmt::format("State transition from {} to {} failed for runtime. Error: {}",
                                    runtime_state_name(runtime_), to, kNotAllowed));
}

std::optional<ApiResponse> SandboxState::refuse_invocation_result_locked(const std::string& request_id,
                                                                         const char* transition) const {
  if (!open_) return gone();
  // rapid validates the id before the state: an unknown or stale id is 400 whatever the state.
  if (!invoke_ || request_id.empty() || request_id != invoke_->request_id) {
    return error_response(400, kInvalidRequestId, "Invalid request ID");
  }
  if (runtime_ != RuntimeState::kRunning) return runtime_transition_refused_locked(transition);
  return std::nullopt;
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
  wait_for_first_generation_locked(lock);
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
  if (auto refused = refuse_invocation_result_locked(request_id, "InvocationResponse")) return *refused;
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
  if (auto refused = refuse_invocation_result_locked(request_id, "InvocationErrorResponse")) return *refused;
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
  wait_for_first_generation_locked(lock);
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

}  // namespace lambdascope::lambda
