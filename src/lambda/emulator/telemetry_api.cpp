// Telemetry API 2022-07-01 subscription
// (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-api-reference.html) and the stubs AWS's emulator
// answers with when telemetry is off.
#include <httplib.h>
#include <simdjson.h>

#include <fmt/format.h>

#include "lambda/common/json.hpp"
#include "lambda/emulator/api_http.hpp"
#include "lambda/emulator/api_routes.hpp"

namespace lambdascope::lambda {

namespace {

ApiResponse validation_error(const std::string& message) {
  // Lambda's own ValidationError body puts errorType first.
  return ApiResponse{400,
                     JsonObject().str("errorType", "ValidationError").str("errorMessage", message).done()};
}

bool parse_int_field(simdjson::dom::object obj, const char* key, int64_t min, int64_t max, int64_t* out,
                     std::string* error) {
  simdjson::dom::element e;
  if (obj[key].get(e)) return true;  // absent: keep the default
  int64_t v = 0;
  if (e.get(v)) {
    *error = fmt::format("buffering.{} must be an integer", key);
    return false;
  }
  if (v < min || v > max) {
    *error = fmt::format("buffering.{} must be between {} and {}", key, min, max);
    return false;
  }
  *out = v;
  return true;
}

// http://host:port/path, with the sandbox's own names for itself resolved to 127.0.0.1.
bool parse_destination_uri(const std::string& uri, TelemetrySubscription* s, std::string* error) {
  const std::string scheme = "http://";
  if (uri.rfind(scheme, 0) != 0) {
    *error = "destination.URI must be an http:// URI";
    return false;
  }
  std::string rest = uri.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  s->path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon + 1 >= authority.size()) {
    *error = "URI port is not provided";
    return false;
  }
  std::string host = authority.substr(0, colon);
  std::string port = authority.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoi(port) < 1 ||
      std::stoi(port) > 65535) {
    *error = "URI port is not valid";
    return false;
  }
  // Lambda delivers inside the sandbox; extensions name it sandbox.localdomain (AWS's examples) or sandbox
  // (Datadog's). Nothing is ever sent off this machine.
  if (host == "sandbox" || host == "sandbox.localdomain" || host == "localhost" || host == "127.0.0.1") {
    s->host = "127.0.0.1";
  } else {
    *error = "URI host must be the sandbox (sandbox.localdomain, sandbox, localhost or 127.0.0.1)";
    return false;
  }
  s->port = std::stoi(port);
  return true;
}

}  // namespace

std::optional<TelemetrySubscription> parse_telemetry_subscription(const std::string& body,
                                                                  std::vector<std::string>* types,
                                                                  std::string* error) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  simdjson::dom::object obj;
  if (parser.parse(padded).get(doc) || doc.get(obj)) {
    *error = "request body is not a JSON object";
    return std::nullopt;
  }
  std::string_view schema;
  if (obj["schemaVersion"].get(schema)) {
    *error = "schemaVersion is required";
    return std::nullopt;
  }
  if (schema != "2022-07-01" && schema != "2022-12-13" && schema != "2025-01-29") {
    *error = "schemaVersion must be one of 2022-07-01, 2022-12-13, 2025-01-29";
    return std::nullopt;
  }
  TelemetrySubscription s;
  simdjson::dom::array type_array;
  if (obj["types"].get(type_array) || type_array.size() == 0) {
    *error = "types should not be empty";
    return std::nullopt;
  }
  for (auto t : type_array) {
    std::string_view v;
    if (t.get(v) || (v != "platform" && v != "function" && v != "extension")) {
      *error = "types must be some of platform, function, extension";
      return std::nullopt;
    }
    if (s.types.insert(std::string(v)).second) types->emplace_back(v);
  }
  simdjson::dom::object dest;
  if (obj["destination"].get(dest)) {
    *error = "destination is required";
    return std::nullopt;
  }
  std::string_view protocol;
  if (dest["protocol"].get(protocol) || (protocol != "HTTP" && protocol != "TCP")) {
    *error = "destination.protocol must be HTTP or TCP";
    return std::nullopt;
  }
  if (protocol == "TCP") {
    *error = "TCP delivery is not supported by lambdascope local; subscribe with protocol HTTP";
    return std::nullopt;
  }
  std::string_view uri;
  if (dest["URI"].get(uri)) {
    *error = "destination.URI is required";
    return std::nullopt;
  }
  if (!parse_destination_uri(std::string(uri), &s, error)) return std::nullopt;
  simdjson::dom::element buffering_element;
  if (!obj["buffering"].get(buffering_element)) {
    simdjson::dom::object buffering;
    if (buffering_element.get(buffering)) {
      *error = "buffering must be an object";
      return std::nullopt;
    }
    int64_t items = static_cast<int64_t>(s.max_items), bytes = static_cast<int64_t>(s.max_bytes),
            timeout = s.timeout.count();
    if (!parse_int_field(buffering, "maxItems", 1000, 10000, &items, error) ||
        !parse_int_field(buffering, "maxBytes", 262144, 1048576, &bytes, error) ||
        !parse_int_field(buffering, "timeoutMs", 25, 30000, &timeout, error)) {
      return std::nullopt;
    }
    s.max_items = static_cast<size_t>(items);
    s.max_bytes = static_cast<size_t>(bytes);
    s.timeout = std::chrono::milliseconds(timeout);
  }
  return s;
}

void add_telemetry_api(httplib::Server& server, const TelemetryApiContext& context) {
  auto subscribe = [context](const httplib::Request& req, httplib::Response& res) {
    if (!context.enabled) {
      // What AWS's Runtime Interface Emulator answers: accepted, but nothing will ever be delivered.
      send(res, ApiResponse{202, error_body("Telemetry.NotSupported", "Telemetry API is not supported")});
      return;
    }
    std::string id = req.get_header_value("Lambda-Extension-Identifier");
    if (id.empty()) {
      send(res, ApiResponse{403, error_body("Extension.MissingExtensionIdentifier",
                                            "Missing Lambda-Extension-Identifier header")});
      return;
    }
    if (!is_uuid(id)) {
      send(res, ApiResponse{403, error_body("Extension.InvalidExtensionIdentifier",
                                            "Invalid Lambda-Extension-Identifier")});
      return;
    }
    auto name = context.state->agent_name(id);
    if (!name) {
      send(res,
           ApiResponse{403, error_body("Extension.UnknownExtensionIdentifier", "Unknown extension " + id)});
      return;
    }
    std::string error;
    std::vector<std::string> types;
    auto subscription = parse_telemetry_subscription(req.body, &types, &error);
    if (!subscription) {
      send(res, validation_error(error));
      return;
    }
    subscription->agent_name = *name;
    if (!context.dispatcher->subscribe(*subscription)) {
      send(res, ApiResponse{
                    403, error_body("Telemetry.SubscriptionClosed", "Telemetry API subscription is closed")});
      return;
    }
    if (context.on_subscribed) context.on_subscribed(*name, types);
    send(res, ApiResponse{200, "\"OK\""});
  };
  server.Put("/2022-07-01/telemetry", subscribe);
  server.Put("/2022-07-01/telemetry/", subscribe);

  // The Logs API (2020-08-15) is superseded by the Telemetry API; answer the way AWS's emulator does.
  auto logs = [](const httplib::Request&, httplib::Response& res) {
    send(res, ApiResponse{202, error_body("Logs.NotSupported", "Logs API is not supported")});
  };
  server.Put("/2020-08-15/logs", logs);
  server.Put("/2020-08-15/logs/", logs);
}

}  // namespace lambdascope::lambda
