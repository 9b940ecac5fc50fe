// Extensions API 2020-01-01 and Telemetry API 2022-07-01 conformance, with the runtime and the extension
// driven from this test process.
#include <future>
#include <mutex>

#include "lambda/common/ids.hpp"
#include "lambda/emulator/api_routes.hpp"
#include "lambda/emulator_test_support.hpp"

namespace lambdascope::lambda {
namespace {

using namespace std::chrono_literals;
using testing::api_client;
using testing::events_of_type;
using testing::in_process_options;
using testing::json_at;
using testing::json_number;

constexpr const char* kRegister = "/2020-01-01/extension/register";
constexpr const char* kNext = "/2020-01-01/extension/event/next";

// Registers `name` once the emulator's init has begun (before that the API answers 500).
httplib::Result register_extension(httplib::Client& c, const std::string& name, const std::string& body,
                                   const std::string& accept_feature = "") {
  httplib::Headers headers{{"Lambda-Extension-Name", name}};
  if (!accept_feature.empty()) headers.emplace("Lambda-Extension-Accept-Feature", accept_feature);
  for (int i = 0; i < 200; ++i) {
    auto r = c.Post(kRegister, headers, body, "application/json");
    if (!r || r->status != 500) return r;
    std::this_thread::sleep_for(10ms);
  }
  return c.Post(kRegister, headers, body, "application/json");
}

// An extension in a thread: after registering, loops on /event/next, recording each event, optionally
// working `post_ms` after each INVOKE; stops after SHUTDOWN or when the emulator goes away.
class InProcessExtension {
 public:
  InProcessExtension(const Emulator& e, std::string id, int post_ms = 0)
      : client_(api_client(e)), id_(std::move(id)) {
    thread_ = std::thread([this, post_ms] {
      while (true) {
        auto next = client_->Get(kNext, {{"Lambda-Extension-Identifier", id_}});
        if (!next || next->status != 200) return;
        {
          std::lock_guard<std::mutex> lock(mu_);
          events_.push_back(next->body);
          event_ids_.push_back(next->get_header_value("Lambda-Extension-Event-Identifier"));
          content_types_.push_back(next->get_header_value("Content-Type"));
        }
        if (json_at(next->body, "/eventType") == "SHUTDOWN") return;
        if (post_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(post_ms));
      }
    });
  }
  ~InProcessExtension() { join(); }
  // Waits until the extension has stopped (after SHUTDOWN, or when a call fails): what it received is then
  // complete, not just what its thread had recorded by the time the emulator answered.
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<std::string> event_ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return event_ids_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard<std::mutex> lock(mu_);
    return content_types_;
  }

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string id_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> events_, event_ids_, content_types_;
};

EmulatorOptions with_extension(const std::string& name = "ext") {
  EmulatorOptions o = in_process_options();
  o.external_extensions = {name};
  return o;
}

TEST(ExtensionsApi, RegisterRefusesWhatLambdaRefuses) {
  Emulator e(with_extension());
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);

  auto no_name = register_extension(*c, "", R"({"events":["INVOKE"]})");
  ASSERT_TRUE(no_name);
  EXPECT_EQ(no_name->status, 403);
  EXPECT_EQ(json_at(no_name->body, "/errorType"), "Extension.InvalidExtensionName");
  EXPECT_EQ(json_at(no_name->body, "/errorMessage"), "Empty extension name");

  auto not_json = register_extension(*c, "ext", "{events");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 403);
  EXPECT_EQ(json_at(not_json->body, "/errorType"), "InvalidRequestFormat");

  auto config_keys = register_extension(*c, "ext", R"({"events":[],"configurationKeys":["a"]})");
  ASSERT_TRUE(config_keys);
  EXPECT_EQ(config_keys->status, 403);
  EXPECT_EQ(json_at(config_keys->body, "/errorMessage"),
            "configurationKeys are deprecated; use environment variables instead");

  auto bad_event = register_extension(*c, "ext", R"({"events":["INVOKE","RESTORE"]})");
  ASSERT_TRUE(bad_event);
  EXPECT_EQ(bad_event->status, 403);
  EXPECT_EQ(json_at(bad_event->body, "/errorType"), "Extension.InvalidEventType");
  EXPECT_EQ(json_at(bad_event->body, "/errorMessage"), "RESTORE: ErrorInvalidEventType");

  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE","SHUTDOWN"]})", "accountId");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Content-Type"), "application/json");
  std::string id = ok->get_header_value("Lambda-Extension-Identifier");
  EXPECT_TRUE(is_uuid(id)) << id;
  EXPECT_EQ(json_at(ok->body, "/functionName"), "conformance");
  EXPECT_EQ(json_at(ok->body, "/functionVersion"), "$LATEST");
  EXPECT_EQ(json_at(ok->body, "/handler"), "index.handler");
  EXPECT_EQ(json_at(ok->body, "/accountId"), "012345678912");

  auto twice = register_extension(*c, "ext", R"({"events":["INVOKE"]})");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 403);
  EXPECT_EQ(json_at(twice->body, "/errorType"), "Extension.InvalidExtensionState");
  EXPECT_EQ(json_at(twice->body, "/errorMessage"),
            "State transition from Registered to Registered failed for extension ext. Error: State "
            "transition is not "
            "allowed");

  // Without the accountId feature the body has no accountId (an internal extension, registered by name).
  auto internal = register_extension(*c, "in-runtime", R"({"events":["INVOKE"]})");
  ASSERT_TRUE(internal);
  EXPECT_EQ(internal->status, 200);
  EXPECT_FALSE(json_at(internal->body, "/accountId"));
  auto internal_shutdown = register_extension(*c, "in-runtime-2", R"({"events":["SHUTDOWN"]})");
  ASSERT_TRUE(internal_shutdown);
  EXPECT_EQ(internal_shutdown->status, 403);
  EXPECT_EQ(json_at(internal_shutdown->body, "/errorMessage"),
            "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension");

  {
    testing::EchoRuntime runtime(e);
    InProcessExtension ext(e, id);
    InProcessExtension internal_ext(e, internal->get_header_value("Lambda-Extension-Identifier"));
    EXPECT_EQ(init.get().status, "success");
    // Registration closes with the init.
    auto late = c->Post(kRegister, {{"Lambda-Extension-Name", "late"}}, R"({"events":["INVOKE"]})",
                        "application/json");
    ASSERT_TRUE(late);
    EXPECT_EQ(late->status, 403);
    EXPECT_EQ(json_at(late->body, "/errorType"), "Extension.RegistrationClosed");
    e.shutdown();
  }
}

TEST(ExtensionsApi, IdentifierHeaderIsCheckedOnEveryCall) {
  Emulator e(with_extension());
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);
  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE"]})");
  ASSERT_TRUE(ok && ok->status == 200);
  for (const char* path : {"/2020-01-01/extension/init/error", "/2020-01-01/extension/exit/error"}) {
    auto missing = c->Post(path, "", "application/json");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 403) << path;
    EXPECT_EQ(json_at(missing->body, "/errorType"), "Extension.MissingExtensionIdentifier") << path;
    auto invalid = c->Post(path, {{"Lambda-Extension-Identifier", "not-a-uuid"}}, "", "application/json");
    ASSERT_TRUE(invalid);
    EXPECT_EQ(invalid->status, 403);
    EXPECT_EQ(json_at(invalid->body, "/errorType"), "Extension.InvalidExtensionIdentifier");
  }
  auto missing_next = c->Get(kNext);
  ASSERT_TRUE(missing_next);
  EXPECT_EQ(missing_next->status, 403);
  EXPECT_EQ(json_at(missing_next->body, "/errorMessage"), "Missing Lambda-Extension-Identifier header");
  std::string stranger = new_uuid();
  auto unknown = c->Get(kNext, {{"Lambda-Extension-Identifier", stranger}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 403);
  EXPECT_EQ(json_at(unknown->body, "/errorType"), "Extension.UnknownExtensionIdentifier");
  EXPECT_EQ(json_at(unknown->body, "/errorMessage"), "Unknown extension " + stranger);
  auto no_type =
      c->Post("/2020-01-01/extension/init/error",
              {{"Lambda-Extension-Identifier", ok->get_header_value("Lambda-Extension-Identifier")}}, "",
              "application/json");
  ASSERT_TRUE(no_type);
  EXPECT_EQ(no_type->status, 403);
  EXPECT_EQ(json_at(no_type->body, "/errorType"), "Extension.MissingHeader");
  EXPECT_EQ(json_at(no_type->body, "/errorMessage"), "Lambda-Extension-Function-Error-Type not found");
  {
    testing::EchoRuntime runtime(e);
    InProcessExtension ext(e, ok->get_header_value("Lambda-Extension-Identifier"));
    EXPECT_EQ(init.get().status, "success");
    e.shutdown();
  }
}

TEST(ExtensionsApi, InitErrorFromAnExtensionFailsTheInit) {
  Emulator e(with_extension());
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);
  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE"]})");
  ASSERT_TRUE(ok && ok->status == 200);
  auto failed =
      c->Post("/2020-01-01/extension/init/error",
              {{"Lambda-Extension-Identifier", ok->get_header_value("Lambda-Extension-Identifier")},
               {"Lambda-Extension-Function-Error-Type", "Extension.ConfigInvalid"}},
              R"({"errorMessage":"no config","errorType":"Extension.ConfigInvalid"})", "application/json");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 202);
  EXPECT_EQ(failed->body, R"({"status":"OK"})");
  InitReport report = init.get();
  EXPECT_EQ(report.status, "error");
  EXPECT_EQ(report.error_type, "Extension.ConfigInvalid");
  // "No further calls succeed": the identifier belongs to a reset generation.
  auto after =
      c->Get(kNext, {{"Lambda-Extension-Identifier", ok->get_header_value("Lambda-Extension-Identifier")}});
  ASSERT_TRUE(after);
  EXPECT_NE(after->status, 200);
  e.shutdown();
}

TEST(ExtensionsApi, InvokeAndShutdownEventsAndPostRuntimeTimeCountsInTheReport) {
  Emulator e(with_extension());
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);
  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE","SHUTDOWN"]})");
  ASSERT_TRUE(ok && ok->status == 200);
  std::vector<std::string> events, ids, types;
  InvokeResult r;
  ShutdownReport shutdown;
  int64_t shutdown_called_ms = 0;
  {
    testing::EchoRuntime runtime(e);
    InProcessExtension ext(e, ok->get_header_value("Lambda-Extension-Identifier"), /*post_ms=*/200);
    ASSERT_EQ(init.get().status, "success");
    InvokeRequest req;
    req.payload = R"({"x":1})";
    req.trace_id = "Root=1-00000000-000000000000000000000001;Parent=0000000000000001;Sampled=0";
    r = e.invoke(req);
    shutdown_called_ms = epoch_ms_now();
    shutdown = e.shutdown();
    ext.join();
    events = ext.events();
    ids = ext.event_ids();
    types = ext.content_types();
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(json_at(events[0], "/eventType"), "INVOKE");
  EXPECT_EQ(json_at(events[0], "/requestId"), r.request_id);
  EXPECT_EQ(json_at(events[0], "/invokedFunctionArn"),
            "arn:aws:lambda:us-east-1:012345678912:function:conformance");
  EXPECT_EQ(json_at(events[0], "/tracing/type"), "X-Amzn-Trace-Id");
  EXPECT_EQ(json_at(events[0], "/tracing/value"),
            "Root=1-00000000-000000000000000000000001;Parent=0000000000000001;Sampled=0");
  EXPECT_GT(json_number(events[0], "/deadlineMs"), 1.6e12);  // Unix epoch milliseconds
  EXPECT_TRUE(is_uuid(ids[0]));
  EXPECT_EQ(types[0], "application/json");
  EXPECT_EQ(json_at(events[1], "/eventType"), "SHUTDOWN");
  EXPECT_EQ(json_at(events[1], "/shutdownReason"), "spindown");
  double deadline = json_number(events[1], "/deadlineMs");
  EXPECT_GE(deadline, shutdown_called_ms + 2000 - 100);  // 2,000 ms with an external extension
  EXPECT_LE(deadline, shutdown_called_ms + 2000 + 500);
  EXPECT_TRUE(shutdown.killed.empty());

  EXPECT_EQ(r.status, "success");
  EXPECT_EQ(r.payload, R"({"x":1})");
  EXPECT_GE(r.post_runtime_extensions_duration_ms, 190.0);
  EXPECT_GE(r.duration_ms, r.runtime_duration_ms + 190.0);
  auto report = events_of_type(e, "platform.report");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NEAR(json_number(report[0], "/record/metrics/durationMs"), r.duration_ms, 0.01);
  EXPECT_EQ(json_at(report[0], "/record/tracing/value"),
            "Root=1-00000000-000000000000000000000001;Parent=0000000000000001;Sampled=0");
}

TEST(ExtensionsApi, AnExtensionThatStaysBusyPastTheDeadlineTimesTheInvocationOut) {
  EmulatorOptions o = with_extension();
  o.timeout = 300ms;
  o.shutdown_timeout = 3000ms;  // long enough for the busy extension to take its SHUTDOWN
  Emulator e(o);
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);
  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE","SHUTDOWN"]})");
  ASSERT_TRUE(ok && ok->status == 200);
  InvokeResult r;
  std::vector<std::string> events;
  {
    testing::EchoRuntime runtime(e);
    InProcessExtension ext(e, ok->get_header_value("Lambda-Extension-Identifier"), /*post_ms=*/1000);
    ASSERT_EQ(init.get().status, "success");
    r = e.invoke(InvokeRequest{});
    e.shutdown();
    ext.join();
    events = ext.events();
  }
  // The caller already had the response; the report says the invocation timed out.
  EXPECT_EQ(r.payload, "{}");
  EXPECT_FALSE(r.function_error);
  EXPECT_EQ(r.status, "timeout");
  EXPECT_TRUE(r.environment_reset);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(json_at(events[1], "/shutdownReason"), "timeout");
}

// ---- Telemetry API ---------------------------------------------------------------------------------

class TelemetrySink {
 public:
  TelemetrySink() {
    server_.Post("/telemetry", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      batches_.push_back(req.body);
      content_types_.push_back(req.get_header_value("Content-Type"));
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TelemetrySink() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard<std::mutex> lock(mu_);
    return content_types_;
  }
  // Every event type received, in order.
  std::vector<std::string> types() {
    std::vector<std::string> out;
    for (const auto& b : batches()) {
      simdjson::dom::parser parser;
      simdjson::padded_string padded(b);
      simdjson::dom::array arr;
      if (parser.parse(padded).get(arr)) continue;
      for (auto ev : arr) {
        std::string_view t;
        if (!ev["type"].get(t)) out.emplace_back(t);
      }
    }
    return out;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> batches_, content_types_;
};

std::string subscription(int port, const std::string& types = R"(["platform"])") {
  return R"({"schemaVersion":"2022-12-13","types":)" + types +
         R"(,"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":25},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:)" +
         std::to_string(port) + R"(/telemetry"}})";
}

TEST(TelemetryApi, SubscribersGetBatchedPlatformEventsFromInitOn) {
  TelemetrySink sink;
  Emulator e(with_extension());
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);
  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE","SHUTDOWN"]})");
  ASSERT_TRUE(ok && ok->status == 200);
  std::string id = ok->get_header_value("Lambda-Extension-Identifier");

  auto invalid = c->Put("/2022-07-01/telemetry", {{"Lambda-Extension-Identifier", id}},
                        R"({"schemaVersion":"2022-12-13"})", "application/json");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
  EXPECT_EQ(json_at(invalid->body, "/errorType"), "ValidationError");
  auto unknown = c->Put("/2022-07-01/telemetry", {{"Lambda-Extension-Identifier", new_uuid()}},
                        subscription(sink.port()), "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 403);
  EXPECT_EQ(json_at(unknown->body, "/errorType"), "Extension.UnknownExtensionIdentifier");

  auto subscribed = c->Put("/2022-07-01/telemetry", {{"Lambda-Extension-Identifier", id}},
                           subscription(sink.port()), "application/json");
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(subscribed->status, 200);
  EXPECT_EQ(subscribed->body, "\"OK\"");
  InvokeResult r1, r2;
  {
    testing::EchoRuntime runtime(e);
    InProcessExtension ext(e, id);
    ASSERT_EQ(init.get().status, "success");
    auto late = c->Put("/2022-07-01/telemetry", {{"Lambda-Extension-Identifier", id}},
                       subscription(sink.port()), "application/json");
    ASSERT_TRUE(late);
    EXPECT_EQ(late->status, 403);
    EXPECT_EQ(json_at(late->body, "/errorType"), "Telemetry.SubscriptionClosed");
    r1 = e.invoke(InvokeRequest{});
    r2 = e.invoke(InvokeRequest{});
    e.shutdown();  // thaws: the last report reaches the extension before SHUTDOWN
  }
  std::vector<std::string> types = sink.types();
  std::vector<std::string> expected{"platform.initStart",       "platform.telemetrySubscription",
                                    "platform.initRuntimeDone", "platform.extension",
                                    "platform.initReport",      "platform.start",
                                    "platform.runtimeDone",     "platform.report",
                                    "platform.start",           "platform.runtimeDone",
                                    "platform.report"};
  EXPECT_EQ(types, expected);
  for (const auto& ct : sink.content_types()) EXPECT_EQ(ct, "application/json");
  std::string all;
  for (const auto& b : sink.batches()) {
    EXPECT_EQ(b.front(), '[');  // a JSON array per POST
    all += b;
  }
  EXPECT_NE(all.find(r1.request_id), std::string::npos);
  EXPECT_NE(all.find(r2.request_id), std::string::npos);
}

TEST(TelemetryApi, NoTelemetryAnswersLikeAwsEmulator) {
  EmulatorOptions o = with_extension();
  o.telemetry = false;
  Emulator e(o);
  auto init = std::async(std::launch::async, [&] { return e.init(); });
  auto c = api_client(e);
  auto ok = register_extension(*c, "ext", R"({"events":["INVOKE"]})");
  ASSERT_TRUE(ok && ok->status == 200);
  auto stub = c->Put("/2022-07-01/telemetry",
                     {{"Lambda-Extension-Identifier", ok->get_header_value("Lambda-Extension-Identifier")}},
                     subscription(1234), "application/json");
  ASSERT_TRUE(stub);
  EXPECT_EQ(stub->status, 202);
  EXPECT_EQ(stub->body,
            R"({"errorMessage":"Telemetry API is not supported","errorType":"Telemetry.NotSupported"})");
  auto logs = c->Put("/2020-08-15/logs",
                     {{"Lambda-Extension-Identifier", ok->get_header_value("Lambda-Extension-Identifier")}},
                     "{}", "application/json");
  ASSERT_TRUE(logs);
  EXPECT_EQ(logs->status, 202);
  EXPECT_EQ(json_at(logs->body, "/errorType"), "Logs.NotSupported");
  {
    testing::EchoRuntime runtime(e);
    InProcessExtension ext(e, ok->get_header_value("Lambda-Extension-Identifier"));
    ASSERT_EQ(init.get().status, "success");
    e.shutdown();
  }
}

TEST(TelemetryApi, SubscriptionValidation) {
  std::vector<std::string> types;
  std::string error;
  auto parse = [&](const std::string& body) {
    types.clear();
    error.clear();
    return parse_telemetry_subscription(body, &types, &error);
  };
  auto ok = parse(
      R"({"schemaVersion":"2022-07-01","types":["platform","function"],"destination":{"protocol":"HTTP","URI":"http://sandbox:8080"}})");
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->host, "127.0.0.1");
  EXPECT_EQ(ok->port, 8080);
  EXPECT_EQ(ok->path, "/");
  EXPECT_EQ(ok->max_items, 10000u);  // Lambda's defaults
  EXPECT_EQ(ok->max_bytes, 262144u);
  EXPECT_EQ(ok->timeout, 1000ms);
  EXPECT_EQ(types, (std::vector<std::string>{"platform", "function"}));

  EXPECT_FALSE(parse(R"({"types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2021-01-01","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":[],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  EXPECT_EQ(error, "types should not be empty");
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["logs"],"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox"}})"));
  EXPECT_EQ(error, "URI port is not provided");
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://example.com:80/"}})"));
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"TCP","port":9000}})"));
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"timeoutMs":10},"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  EXPECT_EQ(error, "buffering.timeoutMs must be between 25 and 30000");
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxItems":100},"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  EXPECT_FALSE(parse(
      R"({"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"maxBytes":2000000},"destination":{"protocol":"HTTP","URI":"http://sandbox:1"}})"));
  auto buffered = parse(
      R"({"schemaVersion":"2025-01-29","types":["extension"],"buffering":{"maxItems":1000,"maxBytes":1048576,"timeoutMs":25},"destination":{"protocol":"HTTP","URI":"http://localhost:9/x/y"}})");
  ASSERT_TRUE(buffered) << error;
  EXPECT_EQ(buffered->path, "/x/y");
  EXPECT_EQ(buffered->max_items, 1000u);
  EXPECT_EQ(buffered->max_bytes, 1048576u);
  EXPECT_EQ(buffered->timeout, 25ms);
}

}  // namespace
}  // namespace lambdascope::lambda
