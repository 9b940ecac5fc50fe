// SandboxState's Extensions API side (2020-01-01): registration, /event/next and the error reports.
#include "lambda/emulator/sandbox_state.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <regex>

#include "lambda/emulator/sandbox_api_responses.hpp"

namespace lambdascope::lambda {

using namespace sandbox_api;

// ---- Extensions API --------------------------------------------------------------------------------

SandboxState::Agent* SandboxState::find_agent_locked(const std::string& id) {
  for (auto& a : agents_) {
    if (a.info.id == id && a.info.state != ExtensionState::kStarted) return &a;
  }
  return nullptr;
}

std::optional<std::string> SandboxState::agent_name(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& a : agents_) {
    if (a.info.id == id && a.info.state != ExtensionState::kStarted) return a.info.name;
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
  wait_for_first_generation_locked(lock);
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
    if (agent->info.state != ExtensionState::kStarted) {
      return error_response(
          403, kAgentInvalidState,
          fmt::format("State transition from {} to Registered failed for extension {}. Error: {}",
                      extension_state_name(agent->info.state), name, kNotAllowed));
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
  agent->info.state = ExtensionState::kRegistered;
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
  ExtensionState s = agent->info.state;
  if (s != ExtensionState::kRegistered && s != ExtensionState::kRunning) {
    return error_response(403, kAgentInvalidState,
                          fmt::format("State transition from {} to Ready failed for extension {}. Error: {}",
                                      extension_state_name(s), id, kNotAllowed));
  }
  agent->info.state = ExtensionState::kReady;
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
  agent->info.state = ExtensionState::kRunning;
  r.headers.emplace_back("Lambda-Extension-Event-Identifier", new_uuid());
  lock.unlock();
  cv_.notify_all();
  return r;
}

ApiResponse SandboxState::agent_init_error(const std::string& id, const std::string& error_type) {
  return agent_error(id, error_type, ExtensionState::kInitError, {ExtensionState::kRegistered});
}

ApiResponse SandboxState::agent_exit_error(const std::string& id, const std::string& error_type) {
  return agent_error(id, error_type, ExtensionState::kExitError,
                     {ExtensionState::kRegistered, ExtensionState::kReady, ExtensionState::kRunning});
}

ApiResponse SandboxState::agent_error(const std::string& id, const std::string& error_type, ExtensionState to,
                                      std::initializer_list<ExtensionState> from) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!open_) return gone();
  if (error_type.empty()) {
    return error_response(403, kAgentMissingHeader, "Lambda-Extension-Function-Error-Type not found");
  }
  Agent* agent = find_agent_locked(id);
  if (!agent) return error_response(403, kAgentIdentifierUnknown, "Unknown Lambda-Extension-Identifier");
  ExtensionState s = agent->info.state;
  if (s == to) return accepted();  // only the first error counts
  if (std::find(from.begin(), from.end(), s) == from.end()) {
    return error_response(403, kAgentInvalidState,
                          fmt::format("State transition from {} to {} failed for extension {}. Error: {}",
                                      extension_state_name(s), extension_state_name(to), id, kNotAllowed));
  }
  agent->info.state = to;
  agent->info.error_type = error_type;
  lock.unlock();
  cv_.notify_all();
  return accepted();
}

}  // namespace lambdascope::lambda
