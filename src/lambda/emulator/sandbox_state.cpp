#include "lambda/emulator/sandbox_state.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <regex>

#include "lambda/emulator/sandbox_api_responses.hpp"

namespace lambdascope::lambda {

using namespace sandbox_api;

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

const char* extension_state_name(ExtensionState s) {
  switch (s) {
    case ExtensionState::kStarted:
      return "Started";
    case ExtensionState::kRegistered:
      return "Registered";
    case ExtensionState::kReady:
      return "Ready";
    case ExtensionState::kRunning:
      return "Running";
    case ExtensionState::kInitError:
      return "InitError";
    case ExtensionState::kExitError:
      return "ExitError";
    case ExtensionState::kShutdownFailed:
      return "ShutdownFailed";
    case ExtensionState::kExited:
      return "Exited";
    case ExtensionState::kLaunchError:
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

void SandboxState::wait_for_first_generation_locked(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return open_ || generation_ != 0; });
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
        a.info.state = ExtensionState::kLaunchError;
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
    return a.info.state == ExtensionState::kInitError || a.info.state == ExtensionState::kExitError ||
           a.info.state == ExtensionState::kLaunchError;
  });
}

WaitResult SandboxState::wait_external_agents_registered(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return wait_locked(lock, deadline, [&] {
    return std::none_of(agents_.begin(), agents_.end(), [](const Agent& a) {
      return a.info.external && a.info.state == ExtensionState::kStarted;
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
      return a.info.state == ExtensionState::kReady;
    });
  });
}

void SandboxState::release_invoke(const InvokeEvent& event, const std::string& agent_event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    invoke_ = event;
    outcome_ = RuntimeOutcome{};
    for (auto& a : agents_) {
      a.released_for_invoke = a.info.invoke && a.info.state == ExtensionState::kReady;
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
      return !a.released_for_invoke || (a.info.state == ExtensionState::kReady && !a.pending_event);
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
      a.info.state = clean ? ExtensionState::kExited : ExtensionState::kShutdownFailed;
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
    return a.info.state != ExtensionState::kStarted && a.info.state != ExtensionState::kLaunchError;
  }));
}

RuntimeState SandboxState::runtime_state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runtime_;
}

}  // namespace lambdascope::lambda
