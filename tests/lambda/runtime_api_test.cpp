// Runtime API 2018-06-01 conformance: the test process is the runtime, so every request and answer is
// visible. Status codes, headers and error bodies are Lambda's (rapid's where the docs are silent).
#include <future>
#include <regex>
#include <thread>

#include "lambda/common/ids.hpp"
#include "lambda/emulator/sandbox_state.hpp"
#include "lambda/emulator_test_support.hpp"

namespace lambdascope::lambda {
namespace {

using namespace std::chrono_literals;
using testing::api_client;
using testing::event_types;
using testing::events_of_type;
using testing::in_process_options;
using testing::json_at;
using testing::json_number;

constexpr const char* kNext = "/2018-06-01/runtime/invocation/next";

std::string invocation_path(const std::string& id, const char* what) {
  return "/2018-06-01/runtime/invocation/" + id + "/" + what;
}

// Starts the emulator's init with this test as the runtime: init completes when our first /next arrives.
struct Started {
  std::unique_ptr<Emulator> emulator;
  std::future<httplib::Result> first_next;
};

Started start(EmulatorOptions o = in_process_options()) {
  Started s;
  s.emulator = std::make_unique<Emulator>(std::move(o));
  Emulator* e = s.emulator.get();
  s.first_next = std::async(std::launch::async, [e] { return api_client(*e)->Get(kNext); });
  InitReport init = e->init();
  EXPECT_EQ(init.status, "success");
  EXPECT_EQ(init.phase, "init");
  return s;
}

TEST(RuntimeApi, NextDeliversTheEventWithEveryHeaderLambdaSends) {
  Started s = start();
  Emulator& e = *s.emulator;
  InvokeRequest req;
  req.payload = R"({"hello":"world"})";
  req.client_context = R"({"custom":{"k":"v"}})";
  req.cognito_identity = R"({"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"})";
  int64_t before = epoch_ms_now();
  auto invoke = std::async(std::launch::async, [&] { return e.invoke(req); });
  auto next = s.first_next.get();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, req.payload);
  EXPECT_EQ(next->get_header_value("Content-Type"), "application/json");
  std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
  EXPECT_TRUE(is_uuid(id)) << id;
  int64_t deadline = std::atoll(next->get_header_value("Lambda-Runtime-Deadline-Ms").c_str());
  EXPECT_GE(deadline, before + 3000 - 50);  // Unix epoch ms, now + the 3 s timeout
  EXPECT_LE(deadline, epoch_ms_now() + 3000 + 50);
  EXPECT_EQ(next->get_header_value("Lambda-Runtime-Invoked-Function-Arn"),
            "arn:aws:lambda:us-east-1:012345678912:function:conformance");
  EXPECT_TRUE(std::regex_match(next->get_header_value("Lambda-Runtime-Trace-Id"),
                               std::regex("Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0")))
      << next->get_header_value("Lambda-Runtime-Trace-Id");
  EXPECT_EQ(next->get_header_value("Lambda-Runtime-Client-Context"), req.client_context);
  EXPECT_EQ(next->get_header_value("Lambda-Runtime-Cognito-Identity"), req.cognito_identity);

  auto c = api_client(e);
  auto ok = c->Post(invocation_path(id, "response"), R"({"answer":42})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202);
  EXPECT_EQ(ok->body, R"({"status":"OK"})");
  auto second_next = std::async(std::launch::async, [&] { return api_client(e)->Get(kNext); });
  InvokeResult r = invoke.get();
  EXPECT_EQ(r.request_id, id);
  EXPECT_EQ(r.status, "success");
  EXPECT_EQ(r.payload, R"({"answer":42})");
  EXPECT_FALSE(r.function_error);
  EXPECT_TRUE(r.init_duration_ms.has_value());  // the cold start is reported with the first invocation
  e.shutdown();
  auto gone = second_next.get();  // the blocked /next of a shut-down environment returns
  ASSERT_TRUE(gone);
}

// An external runtime's first /next can reach the emulator before init() has begun (a busy machine runs the
// test's own thread first): it waits for the init, which then finds the runtime ready.
TEST(RuntimeApi, AFirstNextBeforeInitWaitsForTheInit) {
  Emulator e(in_process_options());
  auto first_next = std::async(std::launch::async, [&e] { return api_client(e)->Get(kNext); });
  // The /next is (almost always) there first: without the wait it was answered "gone" and init timed out.
  std::this_thread::sleep_for(200ms);
  InitReport init = e.init();
  EXPECT_EQ(init.status, "success");
  auto invoke = std::async(std::launch::async, [&] { return e.invoke(InvokeRequest{}); });
  auto next = first_next.get();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
  auto ok = api_client(e)->Post(invocation_path(id, "response"), "{}", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202) << ok->body;
  auto second_next = std::async(std::launch::async, [&] { return api_client(e)->Get(kNext); });
  EXPECT_EQ(invoke.get().status, "success");
  e.shutdown();
  ASSERT_TRUE(second_next.get());
}

TEST(RuntimeApi, AFirstNextWithoutAnyInitEndsAtShutdown) {
  Emulator e(in_process_options());
  auto next = std::async(std::launch::async, [&e] { return api_client(e)->Get(kNext); });
  std::this_thread::sleep_for(100ms);
  e.shutdown();
  auto r = next.get();
  ASSERT_TRUE(r);
  EXPECT_NE(r->status, 200);
}

TEST(RuntimeApi, OptionalHeadersAreLeftOutWhenEmpty) {
  Started s = start();
  auto invoke = std::async(std::launch::async, [&] { return s.emulator->invoke(InvokeRequest{}); });
  auto next = s.first_next.get();
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->has_header("Lambda-Runtime-Client-Context"));
  EXPECT_FALSE(next->has_header("Lambda-Runtime-Cognito-Identity"));
  EXPECT_TRUE(next->has_header("Lambda-Runtime-Trace-Id"));
  api_client(*s.emulator)
      ->Post(invocation_path(next->get_header_value("Lambda-Runtime-Aws-Request-Id"), "response"), "null",
             "application/json");
  auto again = std::async(std::launch::async, [&] { return api_client(*s.emulator)->Get(kNext); });
  EXPECT_EQ(invoke.get().status, "success");
  s.emulator->shutdown();
  again.get();
}

TEST(RuntimeApi, WrongRequestIdIs400AndASecondResponseIs403) {
  Started s = start();
  Emulator& e = *s.emulator;
  auto invoke = std::async(std::launch::async, [&] { return e.invoke(InvokeRequest{}); });
  auto next = s.first_next.get();
  ASSERT_TRUE(next);
  std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
  auto c = api_client(e);

  auto wrong =
      c->Post(invocation_path("3f8e3a0e-0000-4000-8000-000000000000", "response"), "{}", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_EQ(json_at(wrong->body, "/errorType"), "InvalidRequestID");
  EXPECT_EQ(json_at(wrong->body, "/errorMessage"), "Invalid request ID");
  auto wrong_error = c->Post(invocation_path("nope", "error"), "{}", "application/json");
  ASSERT_TRUE(wrong_error);
  EXPECT_EQ(wrong_error->status, 400);

  auto ok = c->Post(invocation_path(id, "response"), "{}", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202);
  auto twice = c->Post(invocation_path(id, "response"), "{}", "application/json");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 403);
  EXPECT_EQ(json_at(twice->body, "/errorType"), "InvalidStateTransition");
  EXPECT_EQ(
      json_at(twice->body, "/errorMessage"),
      "State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State "
      "transition is not allowed");
  auto error_after = c->Post(invocation_path(id, "error"), "{}", "application/json");
  ASSERT_TRUE(error_after);
  EXPECT_EQ(error_after->status, 403);
  // /init/error is only for the init phase.
  auto init_error = c->Post("/2018-06-01/runtime/init/error", "{}", "application/json");
  ASSERT_TRUE(init_error);
  EXPECT_EQ(init_error->status, 403);
  EXPECT_EQ(json_at(init_error->body, "/errorType"), "InvalidStateTransition");

  auto again = std::async(std::launch::async, [&] { return api_client(e)->Get(kNext); });
  invoke.get();
  e.shutdown();
  again.get();
}

TEST(RuntimeApi, ErrorResponseIsAFunctionErrorWithTheRuntimesErrorType) {
  Started s = start();
  Emulator& e = *s.emulator;
  auto invoke = std::async(std::launch::async, [&] { return e.invoke(InvokeRequest{}); });
  auto next = s.first_next.get();
  ASSERT_TRUE(next);
  std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
  std::string body = R"({"errorMessage":"bad","errorType":"MyError","stackTrace":["a","b"]})";
  auto posted = api_client(e)->Post(invocation_path(id, "error"),
                                    {{"Lambda-Runtime-Function-Error-Type", "Function.MyError"}}, body,
                                    "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 202);
  EXPECT_EQ(posted->body, R"({"status":"OK"})");
  auto again = std::async(std::launch::async, [&] { return api_client(e)->Get(kNext); });
  InvokeResult r = invoke.get();
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(r.error_type, "Function.MyError");
  EXPECT_TRUE(r.function_error);
  EXPECT_FALSE(r.environment_reset);
  EXPECT_EQ(r.payload, body);
  auto done = events_of_type(e, "platform.runtimeDone");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(json_at(done[0], "/record/status"), "error");
  EXPECT_EQ(json_at(done[0], "/record/errorType"), "Function.MyError");
  e.shutdown();
  again.get();
}

TEST(RuntimeApi, ErrorTypesThatAreNotRuntimeOrFunctionBecomeUnknown) {
  EXPECT_EQ(valid_runtime_or_function_error_type("Runtime.ImportModuleError"), "Runtime.ImportModuleError");
  EXPECT_EQ(valid_runtime_or_function_error_type("Function.X"), "Function.Unknown");
  EXPECT_EQ(valid_runtime_or_function_error_type("Unhandled"), "Runtime.Unknown");
  EXPECT_EQ(valid_runtime_or_function_error_type(""), "Runtime.Unknown");
}

TEST(RuntimeApi, OversizedResponseIs413AndTheCallerGetsResponseSizeTooLarge) {
  Started s = start();
  Emulator& e = *s.emulator;
  auto invoke = std::async(std::launch::async, [&] { return e.invoke(InvokeRequest{}); });
  auto next = s.first_next.get();
  ASSERT_TRUE(next);
  std::string id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
  std::string big(kMaxResponsePayloadBytes + 1, 'x');
  auto posted = api_client(e)->Post(invocation_path(id, "response"), big, "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 413);
  EXPECT_EQ(json_at(posted->body, "/errorType"), "RequestEntityTooLarge");
  EXPECT_EQ(json_at(posted->body, "/errorMessage"), "Exceeded maximum allowed payload size (6291556 bytes).");
  auto again = std::async(std::launch::async, [&] { return api_client(e)->Get(kNext); });
  InvokeResult r = invoke.get();
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(r.error_type, "Function.ResponseSizeTooLarge");
  EXPECT_TRUE(r.function_error);
  e.shutdown();
  again.get();
}

TEST(RuntimeApi, InitErrorFailsTheInitAndTheInvocationReInitializes) {
  auto e = std::make_unique<Emulator>(in_process_options());
  auto c = api_client(*e);
  auto init = std::async(std::launch::async, [&] { return e->init(); });
  // Wait until the emulator expects a runtime (init started), then report an init error as a runtime would.
  int status = 0;
  std::string body;
  for (int i = 0; i < 100 && status != 202; ++i) {
    auto posted = c->Post(
        "/2018-06-01/runtime/init/error", {{"Lambda-Runtime-Function-Error-Type", "Runtime.BadConfig"}},
        R"({"errorMessage":"cannot start","errorType":"Runtime.BadConfig"})", "application/json");
    if (posted) {
      status = posted->status;
      body = posted->body;
    }
    if (status != 202) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 202);
  EXPECT_EQ(body, R"({"status":"OK"})");
  InitReport report = init.get();
  EXPECT_EQ(report.status, "error");
  EXPECT_EQ(report.error_type, "Runtime.BadConfig");
  auto done = events_of_type(*e, "platform.initRuntimeDone");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(json_at(done[0], "/record/status"), "error");
  EXPECT_EQ(json_at(done[0], "/record/errorType"), "Runtime.BadConfig");

  // The next invocation initializes again (phase "invoke"); this time the runtime comes up. Lambda starts a
  // new runtime process for it, so the runtime asks for its event only once the new init has begun: a request
  // made while the failed generation is torn down gets the 500 a dead process would never read.
  auto invoke = std::async(std::launch::async, [&] { return e->invoke(InvokeRequest{}); });
  for (int i = 0; i < 500 && events_of_type(*e, "platform.initStart").size() < 2; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  auto next = std::async(std::launch::async, [&] { return api_client(*e)->Get(kNext); });
  auto event = next.get();
  ASSERT_TRUE(event);
  ASSERT_EQ(event->status, 200);
  api_client(*e)->Post(invocation_path(event->get_header_value("Lambda-Runtime-Aws-Request-Id"), "response"),
                       "1", "application/json");
  auto again = std::async(std::launch::async, [&] { return api_client(*e)->Get(kNext); });
  InvokeResult r = invoke.get();
  EXPECT_EQ(r.status, "success");
  ASSERT_TRUE(r.init.has_value());
  EXPECT_EQ(r.init->phase, "invoke");
  EXPECT_EQ(r.init->status, "success");
  auto starts = events_of_type(*e, "platform.initStart");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(json_at(starts[0], "/record/phase"), "init");
  EXPECT_EQ(json_at(starts[1], "/record/phase"), "invoke");
  e->shutdown();
  again.get();
}

TEST(RuntimeApi, InitIsLimitedAndATimedOutInitIsReported) {
  EmulatorOptions o = in_process_options();
  o.init_timeout = 200ms;  // Lambda's is 10 s
  Emulator e(o);
  auto t0 = std::chrono::steady_clock::now();
  InitReport init = e.init();  // no runtime ever calls /next
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(init.status, "timeout");
  EXPECT_GE(init.duration_ms, 199.0);
  auto done = events_of_type(e, "platform.initRuntimeDone");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(json_at(done[0], "/record/status"), "timeout");
  auto report = events_of_type(e, "platform.initReport");
  ASSERT_EQ(report.size(), 1u);
  EXPECT_GE(json_number(report[0], "/record/metrics/durationMs"), 199.0);
  e.shutdown();
}

TEST(RuntimeApi, ARuntimeThatNeverAnswersTimesOutAndTheEnvironmentIsReset) {
  EmulatorOptions o = in_process_options();
  o.timeout = 300ms;
  Started s = start(o);
  Emulator& e = *s.emulator;
  auto t0 = std::chrono::steady_clock::now();
  InvokeResult r = e.invoke(InvokeRequest{});
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, "timeout");
  EXPECT_EQ(r.error_type, "Sandbox.Timedout");
  EXPECT_TRUE(r.environment_reset);
  EXPECT_TRUE(r.function_error);
  EXPECT_EQ(json_at(r.payload, "/errorType"), "Sandbox.Timedout");
  EXPECT_EQ(json_at(r.payload, "/errorMessage"),
            "RequestId: " + r.request_id + " Error: Task timed out after 0.30 seconds");
  // The timeout counts from when the sandbox got its event, as its deadline does: the invocation lasts the
  // whole timeout, however long thawing the sandbox took before it.
  EXPECT_GE(r.duration_ms, 300.0);
  EXPECT_LT(r.duration_ms, 400.0);
  EXPECT_LT(elapsed, 2s);
  EXPECT_NE(report_line(r).find("Status: timeout"), std::string::npos) << report_line(r);
  auto done = events_of_type(e, "platform.runtimeDone");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(json_at(done[0], "/record/status"), "timeout");
  EXPECT_GE(json_number(done[0], "/record/metrics/durationMs"), 300.0);
  auto reports = events_of_type(e, "platform.report");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(json_at(reports[0], "/record/status"), "timeout");
  EXPECT_GE(json_number(reports[0], "/record/metrics/durationMs"), 300.0);
  s.first_next.get();  // our /next of the reset generation was released
  e.shutdown();
}

TEST(RuntimeApi, LifecycleEventsComeInLambdasOrder) {
  auto emulator = std::make_unique<Emulator>(in_process_options());
  Emulator& e = *emulator;
  {
    testing::EchoRuntime runtime(e);
    ASSERT_EQ(e.init().status, "success");
    InvokeRequest req;
    req.payload = "{}";
    EXPECT_EQ(e.invoke(req).status, "success");
    EXPECT_EQ(e.invoke(req).status, "success");
    e.shutdown();
  }
  std::vector<std::string> expected{"platform.initStart", "platform.initRuntimeDone", "platform.initReport",
                                    "platform.start",     "platform.runtimeDone",     "platform.report",
                                    "platform.start",     "platform.runtimeDone",     "platform.report"};
  EXPECT_EQ(event_types(e), expected);
  auto report = events_of_type(e, "platform.report")[0];
  EXPECT_EQ(json_at(report, "/record/metrics/memorySizeMB"), "128");
  EXPECT_GE(json_number(report, "/record/metrics/billedDurationMs"),
            json_number(report, "/record/metrics/durationMs"));
  EXPECT_TRUE(json_at(report, "/record/metrics/initDurationMs"));
  EXPECT_FALSE(json_at(events_of_type(e, "platform.report")[1], "/record/metrics/initDurationMs"));
  auto done = events_of_type(e, "platform.runtimeDone")[0];
  EXPECT_EQ(json_at(done, "/record/spans/0/name"), "responseLatency");
  EXPECT_EQ(json_at(done, "/record/spans/1/name"), "responseDuration");
  EXPECT_EQ(json_at(done, "/record/metrics/producedBytes"), "2");
  auto start_event = events_of_type(e, "platform.start")[0];
  EXPECT_EQ(json_at(start_event, "/record/version"), "$LATEST");
  EXPECT_EQ(json_at(start_event, "/record/tracing/type"), "X-Amzn-Trace-Id");
  EXPECT_TRUE(std::regex_match(json_at(start_event, "/time").value_or(""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

}  // namespace
}  // namespace lambdascope::lambda
