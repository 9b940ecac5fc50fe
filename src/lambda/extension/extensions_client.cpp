#include "lambda/extension/extensions_client.hpp"

#include <httplib.h>
#include <simdjson.h>

#include "lambda/common/json.hpp"

namespace lambdascope::lambda::extension {

namespace {

constexpr const char* kBase = "/2020-01-01/extension";

std::unique_ptr<httplib::Client> make_client(const std::string& runtime_api) {
  size_t colon = runtime_api.rfind(':');
  std::string host = colon == std::string::npos ? runtime_api : runtime_api.substr(0, colon);
  int port = 80;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(runtime_api.substr(colon + 1));
    } catch (...) {
      port = 80;
    }
  }
  auto c = std::make_unique<httplib::Client>(host, port);
  c->set_tcp_nodelay(true);
  c->set_keep_alive(true);
  return c;
}

std::string shorten(const std::string& s) {
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

}  // namespace

ExtensionsClient::ExtensionsClient(const std::string& runtime_api)
    : client_(make_client(runtime_api)), next_client_(make_client(runtime_api)) {
  client_->set_connection_timeout(std::chrono::seconds(2));
  client_->set_read_timeout(std::chrono::seconds(10));
  next_client_->set_read_timeout(std::chrono::hours(24 * 365));  // frozen while waiting: no timeout
}

ExtensionsClient::~ExtensionsClient() = default;

bool ExtensionsClient::register_extension(const std::string& name, std::string* error) {
  auto r = client_->Post(std::string(kBase) + "/register", {{"Lambda-Extension-Name", name}},
                         R"({"events":["INVOKE","SHUTDOWN"]})", "application/json");
  if (!r) {
    *error = "no answer from the Extensions API: " + httplib::to_string(r.error());
    return false;
  }
  if (r->status != 200) {
    *error = "HTTP " + std::to_string(r->status) + ": " + shorten(r->body);
    return false;
  }
  id_ = r->get_header_value("Lambda-Extension-Identifier");
  if (id_.empty()) {
    *error = "no Lambda-Extension-Identifier in the answer";
    return false;
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(r->body);
  std::string_view fn;
  simdjson::dom::element doc;
  if (!parser.parse(padded).get(doc) && !doc["functionName"].get(fn)) function_name_ = std::string(fn);
  return true;
}

LifecycleEvent ExtensionsClient::next() {
  auto r = next_client_->Get(std::string(kBase) + "/event/next", {{"Lambda-Extension-Identifier", id_}});
  if (!r) {
    LifecycleEvent e;
    e.error = "GET /event/next failed: " + httplib::to_string(r.error());
    return e;
  }
  if (r->status != 200) {
    LifecycleEvent e;
    e.error = "GET /event/next answered HTTP " + std::to_string(r->status) + ": " + shorten(r->body);
    return e;
  }
  return parse_lifecycle_event(r->body);
}

TelemetrySubscription ExtensionsClient::subscribe_telemetry(int port, int buffer_ms, std::string* detail) {
  std::string body =
      JsonObject()
          .str("schemaVersion", "2022-12-13")
          .raw("types", R"(["platform"])")
          .raw("buffering",
               JsonObject().num("maxItems", 1000).num("maxBytes", 262144).num("timeoutMs", buffer_ms).done())
          .raw("destination", JsonObject()
                                  .str("protocol", "HTTP")
                                  .str("URI", "http://sandbox.localdomain:" + std::to_string(port) + "/")
                                  .done())
          .done();
  auto r =
      client_->Put("/2022-07-01/telemetry", {{"Lambda-Extension-Identifier", id_}}, body, "application/json");
  if (!r) {
    *detail = "no answer: " + httplib::to_string(r.error());
    return TelemetrySubscription::kRefused;
  }
  *detail = "HTTP " + std::to_string(r->status) + " " + shorten(r->body);
  if (r->status == 200) return TelemetrySubscription::kSubscribed;
  if (r->body.find("NotSupported") != std::string::npos) return TelemetrySubscription::kNotSupported;
  return TelemetrySubscription::kRefused;
}

}  // namespace lambdascope::lambda::extension
