// What the Runtime and Extensions API handlers of SandboxState answer, shared by sandbox_runtime_api.cpp and
// sandbox_extensions_api.cpp. Internal to the emulator.
#pragma once

#include <string>

#include "lambda/common/json.hpp"
#include "lambda/emulator/sandbox_state.hpp"

namespace lambdascope::lambda::sandbox_api {

// Error types and messages as rapid renders them (internal/lambda/rapi/handler, rendering, core).
inline constexpr const char* kInvalidStateTransition = "InvalidStateTransition";
inline constexpr const char* kInvalidRequestId = "InvalidRequestID";
inline constexpr const char* kRequestTooLarge = "RequestEntityTooLarge";
inline constexpr const char* kAgentNameInvalid = "Extension.InvalidExtensionName";
inline constexpr const char* kAgentRegistrationClosed = "Extension.RegistrationClosed";
inline constexpr const char* kAgentIdentifierUnknown = "Extension.UnknownExtensionIdentifier";
inline constexpr const char* kAgentInvalidState = "Extension.InvalidExtensionState";
inline constexpr const char* kAgentMissingHeader = "Extension.MissingHeader";
inline constexpr const char* kTooManyExtensions = "Extension.TooManyExtensions";
inline constexpr const char* kInvalidEventType = "Extension.InvalidEventType";
inline constexpr const char* kInvalidRequestFormat = "InvalidRequestFormat";
inline constexpr const char* kNotAllowed = "State transition is not allowed";

inline ApiResponse error_response(int status, const std::string& type, const std::string& message) {
  return ApiResponse{status, error_body(type, message)};
}

inline ApiResponse accepted() {
  return ApiResponse{202, R"({"status":"OK"})"};
}

inline ApiResponse gone() {
  // The sandbox generation this request belonged to has been reset or shut down; its processes are being
  // killed, so the answer is never read.
  return error_response(500, "InternalServerError", "Internal Server Error");
}

}  // namespace lambdascope::lambda::sandbox_api
