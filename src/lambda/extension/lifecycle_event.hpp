// The events GET /event/next returns: INVOKE {requestId, deadlineMs (Unix ms)} and SHUTDOWN
// {shutdownReason, deadlineMs}. Reasons are compared case-insensitively (AWS documents upper case, some
// emulators send lower case).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lambdascope::lambda::extension {

struct LifecycleEvent {
  enum class Type { kInvoke, kShutdown, kUnknown };
  Type type = Type::kUnknown;
  std::string request_id;
  int64_t deadline_ms = 0;
  std::string shutdown_reason;  // lower case: spindown | timeout | failure
  std::string error;            // kUnknown: what was wrong with the body
};

LifecycleEvent parse_lifecycle_event(std::string_view body);

}  // namespace lambdascope::lambda::extension
