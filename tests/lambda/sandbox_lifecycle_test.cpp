// The lifecycle with real processes: AWS's Node.js runtime interface client running a handler, the C++
// sample bootstrap, and the recording extension (tests/lambda/fixtures/recorder_extension.cpp) started from
// an extensions folder. Freezing, crashes, timeouts, SHUTDOWN deadlines, the exec wrapper, init errors.
#include <unistd.h>

#include <filesystem>
#include <future>

#include "lambda/emulator/process_tree.hpp"
#include "lambda/emulator_test_support.hpp"
#include "support/test_support.hpp"

namespace lambdascope::lambda {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::events_of_type;
using testing::json_at;
using testing::json_number;
using testing::read_lines;

class SandboxLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = lambdascope::testing::make_temp_dir();
    fs::create_directories(dir_ + "/extensions");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The recorder, installed as an extension called `name`.
  void add_recorder(const std::string& name = "recorder") {
    fs::create_symlink(testing::fixtures_dir() + "/recorder", dir_ + "/extensions/" + name);
  }

  EmulatorOptions node_options(const std::string& function = "node-function") {
    EmulatorOptions o;
    o.function_dir = testing::source_fixtures_dir() + "/" + function;
    o.extensions_dir = dir_ + "/extensions";
    o.environment["LS_RECORDER_OUT"] = dir_;
    o.on_log = [this](LogSource source, const std::string&, const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      if (source == LogSource::kPlatform) platform_lines_.push_back(line);
      if (source == LogSource::kFunction) function_lines_.push_back(line);
    };
    return o;
  }

  std::vector<std::string> recorded(const std::string& kind, const std::string& name = "recorder") {
    std::vector<std::string> out;
    for (const auto& line : read_lines(dir_ + "/" + name + ".jsonl")) {
      if (json_at(line, "/kind") == kind) out.push_back(line);
    }
    return out;
  }

  std::string dir_;
  std::mutex log_mu_;
  std::vector<std::string> platform_lines_, function_lines_;
};

InvokeRequest event(const std::string& payload) {
  InvokeRequest r;
  r.payload = payload;
  return r;
}

TEST_F(SandboxLifecycle, NodeFunctionThroughRicWithAnExtensionFrozenBetweenInvocations) {
  add_recorder();
  EmulatorOptions o = node_options();
  o.environment["LS_RECORDER_TELEMETRY"] = "platform,function";
  o.environment["LS_CUSTOM"] = "custom value";
  Emulator e(o);
  InitReport init = e.init();
  ASSERT_EQ(init.status, "success") << init.error_type;

  // Frozen after init: every process of the sandbox is stopped.
  EXPECT_TRUE(e.frozen());
  std::vector<pid_t> pids = e.sandbox_pids();
  ASSERT_EQ(pids.size(), 2u);  // the runtime and the extension
  for (pid_t pid : process_tree(pids)) EXPECT_EQ(process_state(pid), 'T') << pid;

  InvokeResult first = e.invoke(event(R"({"n":1})"));
  ASSERT_EQ(first.status, "success") << first.payload;
  EXPECT_TRUE(first.init_duration_ms.has_value());
  EXPECT_GT(first.max_memory_used_mb, 10);
  EXPECT_EQ(json_at(first.payload, "/requestId"), first.request_id);
  EXPECT_EQ(json_at(first.payload, "/functionName"), "node-function");
  EXPECT_EQ(json_at(first.payload, "/memoryLimitInMB"), "128");
  EXPECT_EQ(json_at(first.payload, "/invokedFunctionArn"),
            "arn:aws:lambda:us-east-1:012345678912:function:node-function");
  EXPECT_EQ(json_at(first.payload, "/logGroupName"), "/aws/lambda/node-function");
  EXPECT_GT(json_number(first.payload, "/remainingMs"), 2000);
  EXPECT_EQ(json_at(first.payload, "/traceId").value_or("").rfind("Root=1-", 0), 0u);
  EXPECT_EQ(json_at(first.payload, "/env/AWS_LAMBDA_RUNTIME_API"), e.runtime_api());
  EXPECT_EQ(json_at(first.payload, "/env/LAMBDA_TASK_ROOT"),
            fs::absolute(o.function_dir).lexically_normal().string());
  EXPECT_EQ(json_at(first.payload, "/env/_HANDLER"), "index.handler");
  EXPECT_EQ(json_at(first.payload, "/env/TZ"), ":UTC");
  EXPECT_EQ(json_at(first.payload, "/env/LANG"), "en_US.UTF-8");
  EXPECT_EQ(json_at(first.payload, "/env/AWS_LAMBDA_INITIALIZATION_TYPE"), "on-demand");
  EXPECT_EQ(json_at(first.payload, "/env/AWS_EXECUTION_ENV").value_or("").rfind("AWS_Lambda_nodejs", 0), 0u);
  EXPECT_EQ(json_at(first.payload, "/env/LS_CUSTOM"), "custom value");
  EXPECT_TRUE(e.frozen());

  std::this_thread::sleep_for(300ms);  // frozen: the extension's ticker cannot tick
  InvokeResult second = e.invoke(event(R"({"n":2})"));
  ASSERT_EQ(second.status, "success");
  EXPECT_FALSE(second.init_duration_ms.has_value());
  EXPECT_EQ(json_at(second.payload, "/pid"), json_at(first.payload, "/pid"));  // same warm process
  EXPECT_EQ(json_at(second.payload, "/invocationsInThisProcess"), "2");
  auto shutdown_start = std::chrono::steady_clock::now();
  ShutdownReport down = e.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - shutdown_start, 1500ms);
  EXPECT_TRUE(down.killed.empty());

  // What the extension saw.
  auto reg = recorded("register");
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_EQ(json_at(reg[0], "/status"), "200");
  EXPECT_EQ(json_at(reg[0], "/body/functionName"), "node-function");
  EXPECT_EQ(json_at(reg[0], "/body/accountId"), "012345678912");
  EXPECT_EQ(json_at(reg[0], "/env/AWS_LAMBDA_FUNCTION_NAME"), "node-function");
  EXPECT_EQ(json_at(reg[0], "/env/_HANDLER"), "null");  // hidden from extensions
  EXPECT_EQ(json_at(reg[0], "/env/LAMBDA_TASK_ROOT"), "null");
  EXPECT_EQ(json_at(reg[0], "/env/AWS_EXECUTION_ENV"), "null");
  // Extensions register before the runtime starts: the handler module loaded after the registration.
  EXPECT_LE(json_number(reg[0], "/t"), json_number(first.payload, "/startedAt"));
  auto sub = recorded("subscribe");
  ASSERT_EQ(sub.size(), 1u);
  EXPECT_EQ(json_at(sub[0], "/status"), "200");
  auto events = recorded("event");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(json_at(events[0], "/body/requestId"), first.request_id);
  EXPECT_EQ(json_at(events[1], "/body/requestId"), second.request_id);
  EXPECT_GE(json_number(events[1], "/maxGapMs"), 250);  // it was stopped while the test slept
  EXPECT_EQ(json_at(events[2], "/body/eventType"), "SHUTDOWN");
  EXPECT_EQ(json_at(events[2], "/body/shutdownReason"), "spindown");
  EXPECT_EQ(recorded("exit").size(), 1u);
  std::string telemetry;
  for (const auto& t : recorded("telemetry")) telemetry += t;
  EXPECT_NE(telemetry.find("\"platform.initStart\""), std::string::npos);
  EXPECT_NE(telemetry.find("\"type\":\"function\""), std::string::npos);
  EXPECT_NE(telemetry.find("echo " + first.request_id), std::string::npos);  // the handler's console.log
  for (const auto& id : {first.request_id, second.request_id}) {
    EXPECT_NE(telemetry.find(R"("type":"platform.report","record":{"requestId":")" + id), std::string::npos)
        << id;
  }
  std::lock_guard<std::mutex> lock(log_mu_);
  bool logged = false;
  for (const auto& l : function_lines_) logged |= l.find("echo " + first.request_id) != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(SandboxLifecycle, WithoutFreezingTheExtensionKeepsRunningBetweenInvocations) {
  // The control for the test above: the extension's ticker only shows a long pause when it was frozen.
  add_recorder();
  EmulatorOptions o = node_options();
  o.freeze = false;
  Emulator e(o);
  ASSERT_EQ(e.invoke(event("{}")).status, "success");
  EXPECT_FALSE(e.frozen());
  for (pid_t pid : process_tree(e.sandbox_pids())) EXPECT_NE(process_state(pid), 'T') << pid;
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(e.invoke(event("{}")).status, "success");
  e.shutdown();
  auto events = recorded("event");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_LT(json_number(events[1], "/maxGapMs"), 200);
}

TEST_F(SandboxLifecycle, ACrashIsReportedAndTheNextInvocationReInitializes) {
  add_recorder();
  Emulator e(node_options());
  InvokeResult before = e.invoke(event("{}"));
  ASSERT_EQ(before.status, "success") << before.payload;
  InvokeResult crash = e.invoke(event(R"({"action":"crash"})"));
  EXPECT_EQ(crash.status, "error");
  EXPECT_EQ(crash.error_type, "Runtime.ExitError");
  EXPECT_TRUE(crash.environment_reset);
  EXPECT_TRUE(crash.function_error);
  EXPECT_EQ(json_at(crash.payload, "/errorType"), "Runtime.ExitError");
  EXPECT_EQ(json_at(crash.payload, "/errorMessage"),
            "RequestId: " + crash.request_id + " Error: Runtime exited with error: exit status 3");
  EXPECT_NE(report_line(crash).find("Status: error\tError Type: Runtime.ExitError"), std::string::npos)
      << report_line(crash);
  InvokeResult after = e.invoke(event("{}"));
  ASSERT_EQ(after.status, "success") << after.payload;
  ASSERT_TRUE(after.init.has_value());
  EXPECT_EQ(after.init->phase, "invoke");
  EXPECT_NE(json_at(after.payload, "/pid"), json_at(before.payload, "/pid"));
  e.shutdown();

  auto starts = events_of_type(e, "platform.initStart");
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(json_at(starts[1], "/record/phase"), "invoke");
  EXPECT_EQ(recorded("register").size(), 2u);  // the extension was started again too
  std::vector<std::string> reasons;
  for (const auto& ev : recorded("event")) {
    if (json_at(ev, "/body/eventType") == "SHUTDOWN")
      reasons.push_back(json_at(ev, "/body/shutdownReason").value_or(""));
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"failure", "spindown"}));
}

TEST_F(SandboxLifecycle, ATimeoutIsReportedAndTheEnvironmentIsReset) {
  add_recorder();
  EmulatorOptions o = node_options();
  // Generous: the next invocation re-initializes (a new Node.js runtime and extension) within its timeout,
  // which takes more than a second on a busy machine.
  o.timeout = 10000ms;
  Emulator e(o);
  ASSERT_EQ(e.init().status, "success");
  InvokeResult slow = e.invoke(event(R"({"action":"sleep","ms":60000})"));
  EXPECT_EQ(slow.status, "timeout");
  EXPECT_EQ(slow.error_type, "Sandbox.Timedout");
  EXPECT_NEAR(slow.duration_ms, 10000.0, 50.0);
  EXPECT_EQ(json_at(slow.payload, "/errorMessage"),
            "RequestId: " + slow.request_id + " Error: Task timed out after 10.00 seconds");
  InvokeResult next = e.invoke(event("{}"));
  EXPECT_EQ(next.status, "success") << next.payload;
  e.shutdown();
  bool timed_out_line = false;
  {
    std::lock_guard<std::mutex> lock(log_mu_);
    for (const auto& l : platform_lines_) {
      timed_out_line |= l.find(slow.request_id + " Task timed out after 10.00 seconds") != std::string::npos;
    }
  }
  EXPECT_TRUE(timed_out_line);
  auto events = recorded("event");
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(json_at(events[1], "/body/eventType"), "SHUTDOWN");
  EXPECT_EQ(json_at(events[1], "/body/shutdownReason"), "timeout");
}

TEST_F(SandboxLifecycle, AnExtensionIgnoringShutdownIsKilledAtTheTwoSecondDeadline) {
  add_recorder();
  EmulatorOptions o = node_options();
  o.environment["LS_RECORDER_SHUTDOWN"] = "hang";
  Emulator e(o);
  ASSERT_EQ(e.invoke(event("{}")).status, "success");
  auto start = std::chrono::steady_clock::now();
  ShutdownReport down = e.shutdown();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 3000ms);
  EXPECT_EQ(down.killed, (std::vector<std::string>{"extension recorder"}));
  auto events = recorded("event");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(json_at(events[1], "/body/eventType"), "SHUTDOWN");
  EXPECT_TRUE(recorded("exit").empty());
}

TEST_F(SandboxLifecycle, ExecWrapperStartsTheRuntime) {
  EmulatorOptions o = node_options();
  o.environment["AWS_LAMBDA_EXEC_WRAPPER"] = testing::source_fixtures_dir() + "/wrapper.sh";
  Emulator e(o);
  InvokeResult r = e.invoke(event("{}"));
  ASSERT_EQ(r.status, "success") << r.payload;
  // Lambda runs `wrapper <interpreter> <args...>`; the fixture exports its first argument.
  std::string wrapped = json_at(r.payload, "/env/LS_WRAPPED").value_or("");
  EXPECT_EQ(fs::path(wrapped).filename(), "node") << wrapped;
  e.shutdown();
}

TEST_F(SandboxLifecycle, ReservedEnvironmentVariablesAreRefused) {
  EmulatorOptions o = node_options();
  o.environment["AWS_REGION"] = "eu-west-1";
  EXPECT_THROW(Emulator e(o), std::invalid_argument);
}

TEST_F(SandboxLifecycle, NodeInitErrorIsReportedByTheRuntimeAndReturnedToTheCaller) {
  Emulator e(node_options("node-init-error"));
  InitReport init = e.init();
  EXPECT_EQ(init.status, "error");
  EXPECT_EQ(init.error_type.rfind("Runtime.", 0), 0u) << init.error_type;
  InvokeResult r = e.invoke(event("{}"));
  EXPECT_EQ(r.status, "error");
  EXPECT_TRUE(r.function_error);
  ASSERT_TRUE(r.init.has_value());
  EXPECT_EQ(r.init->phase, "invoke");
  EXPECT_NE(r.payload.find("init failed on purpose"), std::string::npos) << r.payload;
  e.shutdown();
}

TEST_F(SandboxLifecycle, AnExtensionInitErrorFailsTheInit) {
  add_recorder();
  EmulatorOptions o = node_options();
  o.environment["LS_RECORDER_INIT_ERROR"] = "Extension.TestFailure";
  Emulator e(o);
  InitReport init = e.init();
  EXPECT_EQ(init.status, "error");
  EXPECT_EQ(init.error_type, "Extension.TestFailure");
  auto errors = recorded("init_error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(json_at(errors[0], "/status"), "202");
  e.shutdown();
}

TEST_F(SandboxLifecycle, CppSampleBootstrapRunsItsHandlers) {
  add_recorder();
  EmulatorOptions o = node_options();
  o.function_dir = testing::examples_dir() + "/cpp-bootstrap";
  o.handler = "handler";
  Emulator e(o);
  InvokeResult work = e.invoke(event(R"({"action":"work","iterations":10000})"));
  ASSERT_EQ(work.status, "success") << work.payload;
  EXPECT_EQ(json_at(work.payload, "/requestId"), work.request_id);
  EXPECT_EQ(json_at(work.payload, "/primes"), "1229");
  InvokeResult echo = e.invoke(event(R"({"hello":"world"})"));
  EXPECT_EQ(json_at(echo.payload, "/event/hello"), "world");
  InvokeResult error = e.invoke(event(R"({"action":"error"})"));
  EXPECT_EQ(error.status, "error");
  EXPECT_EQ(error.error_type, "Function.SampleError");
  EXPECT_FALSE(error.environment_reset);
  InvokeResult crash = e.invoke(event(R"({"action":"crash"})"));
  EXPECT_EQ(crash.error_type, "Runtime.ExitError");
  InvokeResult again = e.invoke(event(R"({"action":"echo"})"));
  EXPECT_EQ(again.status, "success");
  e.shutdown();
  EXPECT_EQ(recorded("event").size(), 7u);  // five INVOKE, SHUTDOWN failure, SHUTDOWN spindown
}

TEST_F(SandboxLifecycle, CppSampleBootstrapReportsAnUnknownHandlerAsAnInitError) {
  EmulatorOptions o = node_options();
  o.function_dir = testing::examples_dir() + "/cpp-bootstrap";
  o.handler = "nope";
  Emulator e(o);
  InitReport init = e.init();
  EXPECT_EQ(init.status, "error");
  EXPECT_EQ(init.error_type, "Runtime.HandlerNotFound");
  e.shutdown();
}

}  // namespace
}  // namespace lambdascope::lambda
