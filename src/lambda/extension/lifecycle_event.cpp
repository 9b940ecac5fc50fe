#include "lambda/extension/lifecycle_event.hpp"

#include <simdjson.h>

#include <cctype>

namespace lambdascope::lambda::extension {

LifecycleEvent parse_lifecycle_event(std::string_view body) {
  LifecycleEvent e;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object obj;
  if (auto err = parser.parse(padded).get(obj)) {
    e.error = std::string("not a JSON object (") + simdjson::error_message(err) + ")";
    return e;
  }
  std::string_view type;
  if (obj["eventType"].get(type)) {
    e.error = "no eventType";
    return e;
  }
  simdjson::dom::element deadline;
  if (!obj["deadlineMs"].get(deadline)) {
    int64_t i;
    double d;
    if (!deadline.get(i)) {
      e.deadline_ms = i;
    } else if (!deadline.get(d)) {
      e.deadline_ms = static_cast<int64_t>(d);
    }
  }
  if (type == "INVOKE") {
    std::string_view id;
    if (obj["requestId"].get(id) || id.empty()) {
      e.error = "INVOKE without requestId";
      return e;
    }
    e.type = LifecycleEvent::Type::kInvoke;
    e.request_id = std::string(id);
  } else if (type == "SHUTDOWN") {
    e.type = LifecycleEvent::Type::kShutdown;
    std::string_view reason;
    if (!obj["shutdownReason"].get(reason)) {
      for (char c : reason)
        e.shutdown_reason += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  } else {
    e.error = "unknown eventType '" + std::string(type) + "'";
  }
  return e;
}

}  // namespace lambdascope::lambda::extension
