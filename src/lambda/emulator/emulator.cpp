// The lifecycle driver: init, invoke, reset and shutdown in the order rapid runs them
// (internal/lambda/rapid/handlers.go and shutdown.go in aws-lambda-runtime-interface-emulator), with the
// telemetry events Lambda emits at each step.
#include "lambda/emulator/emulator.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "lambda/common/ids.hpp"
#include "lambda/common/json.hpp"
#include "lambda/emulator/api_routes.hpp"
#include "lambda/emulator/environment.hpp"
#include "lambda/emulator/freezer.hpp"
#include "lambda/emulator/process.hpp"
#include "lambda/emulator/process_tree.hpp"
#include "lambda/emulator/runtime_command.hpp"
#include "lambda/emulator/sandbox_limits.hpp"
#include "lambda/emulator/sandbox_state.hpp"
#include "lambda/emulator/sandbox_tmp.hpp"
#include "lambda/emulator/telemetry_dispatcher.hpp"
#include "lambda/emulator/telemetry_records.hpp"
#include "lambda/extension/ring_directory.hpp"

namespace lambdascope::lambda {

namespace fs = std::filesystem;

namespace {

// rapid gives the runtime 30% of the shutdown budget between SIGTERM and SIGKILL, the extensions the rest.
constexpr double kRuntimeShutdownShare = 0.3;
// Without external extensions Lambda allows internal ones 500 ms.
constexpr auto kInternalOnlyShutdown = std::chrono::milliseconds(500);
// However a process dies, we do not wait for its exit status longer than this (rapid: maxProcessExitWait).
constexpr auto kMaxProcessExitWait = std::chrono::seconds(2);
// Peak memory is sampled this often while the sandbox runs (and once at the end of every invocation).
constexpr auto kMemorySamplePeriod = std::chrono::milliseconds(50);
// Before SHUTDOWN, buffered telemetry (the last platform.report, typically) gets this long to reach the
// extensions, as it would on a thawed Lambda sandbox.
constexpr auto kShutdownTelemetryFlush = std::chrono::milliseconds(200);

}  // namespace

class Emulator::Impl {
 public:
  explicit Impl(EmulatorOptions options);
  ~Impl();

  std::string runtime_api() const { return runtime_api_; }
  InitReport init();
  InvokeResult invoke(const InvokeRequest& request);
  ShutdownReport shutdown();
  std::vector<std::string> platform_events() const {
    std::lock_guard<std::mutex> lock(events_mu_);
    return events_;
  }
  std::vector<pid_t> sandbox_pids() const;
  // Remembers processes of the sandbox, whose pid-named files in /tmp go when the sandbox ends.
  void note_pids(const std::vector<pid_t>& pids);
  bool frozen() const { return freezer_.frozen(); }

 private:
  InitReport run_init(const std::string& phase, Clock::time_point deadline);
  void start_invocation(const InvokeResult& r, const InvocationTrace& trace);
  void take_outcome(InvokeResult& r, const RuntimeOutcome& outcome);
  void record_failure(InvokeResult& r, WaitResult why, const RuntimeOutcome& outcome);
  InvokeResult invoke_after_failed_init(InvokeResult r, const InvocationTrace& trace,
                                        Clock::time_point invoke_start);
  void finish_report(InvokeResult& r, const InvocationTrace& trace, Clock::time_point start,
                     Clock::time_point end);
  std::string classify_failure() const;
  ShutdownReport reset(const std::string& reason);
  void spawn_extension(const std::string& name, const std::string& path, uint64_t gen);
  void spawn_runtime(uint64_t gen);
  std::vector<std::string> list_extensions() const;
  void emit(const std::string& type, const std::string& record);
  void log(LogSource source, const std::string& process, const std::string& line);
  void freeze();
  void thaw();
  void sample_memory();
  int max_memory_used_mb() const;

  EmulatorOptions o_;
  RuntimeCommand command_;
  SandboxEnvironment env_;
  FunctionMetadata metadata_;
  std::string function_arn_;
  std::string runtime_api_;

  SandboxState state_;
  std::unique_ptr<SandboxLimits> limits_;  // when o_.enforce_limits and the groups could be made
  TelemetryDispatcher telemetry_;
  Freezer freezer_;
  httplib::Server server_;
  std::thread server_thread_;

  mutable std::mutex procs_mu_;
  std::set<pid_t> seen_pids_;  // guarded by procs_mu_
  std::unique_ptr<Process> runtime_;
  std::vector<std::pair<std::string, std::unique_ptr<Process>>> extensions_;
  std::atomic<uint64_t> process_generation_{0};
  std::atomic<bool> expecting_exits_{false};

  std::mutex lifecycle_mu_;  // one init / invocation / shutdown at a time, as in a Lambda environment
  bool initialized_ = false;
  bool init_attempted_ = false;  // after the first init, a missing init is re-run inside an invocation
  std::optional<double> pending_init_ms_;  // the cold start, reported with the next invocation
  std::optional<ShutdownReport> shutdown_report_;

  mutable std::mutex events_mu_;
  std::vector<std::string> events_;
  std::mutex log_mu_;

  std::atomic<uint64_t> peak_kb_{0};
  std::thread sampler_;
  std::mutex sampler_mu_;
  std::condition_variable sampler_cv_;
  bool sampler_stop_ = false;
};

Emulator::Impl::Impl(EmulatorOptions options) : o_(std::move(options)) {
  if (!o_.external_runtime || !o_.function_dir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(o_.function_dir, ec)) {
      throw std::invalid_argument("function folder " + o_.function_dir + " does not exist");
    }
  }
  if (o_.function_dir.empty()) o_.function_dir = fs::current_path().string();
  if (!o_.extensions_dir.empty() && !fs::is_directory(o_.extensions_dir)) {
    throw std::invalid_argument("extensions folder " + o_.extensions_dir + " does not exist");
  }
  if (o_.memory_mb < 128 || o_.memory_mb > 10240) {
    throw std::invalid_argument("memory must be between 128 and 10240 MB (Lambda's limits)");
  }
  if (o_.timeout.count() <= 0 || o_.timeout > std::chrono::seconds(900)) {
    throw std::invalid_argument("timeout must be more than 0 and at most 900 seconds (Lambda's limits)");
  }
  check_function_environment(o_.environment);
  if (!o_.external_runtime) {
    command_ = resolve_runtime_command(o_);
  } else {
    command_.kind = RuntimeCommand::Kind::kCustom;
    command_.default_handler = "handler";
    command_.runtime_dir = fs::absolute(o_.function_dir).string();
    command_.version = "external";
  }

  metadata_.function_name = o_.function_name.empty()
                                ? fs::absolute(o_.function_dir).lexically_normal().filename().string()
                                : o_.function_name;
  if (metadata_.function_name.empty()) {
    metadata_.function_name =
        fs::absolute(o_.function_dir).lexically_normal().parent_path().filename().string();
  }
  o_.function_name = metadata_.function_name;
  metadata_.function_version = o_.function_version;
  metadata_.handler = o_.handler.empty() ? command_.default_handler : o_.handler;
  metadata_.account_id = o_.account_id;
  function_arn_ =
      fmt::format("arn:aws:lambda:{}:{}:function:{}", o_.region, o_.account_id, metadata_.function_name);

  // Enough threads for every blocking /next (runtime + 10 extensions) plus everything else at once.
  server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Lambda's API server (Go net/http) keeps connections open; clients such as aws-lambda-cpp rely on it.
  server_.set_keep_alive_max_count(1000000);
  server_.set_keep_alive_timeout(300);
  server_.set_payload_max_length(64 * 1024 * 1024);
  // httplib writes headers and body separately; with Nagle's algorithm the body then waits for the client's
  // delayed ACK (~40 ms per request). Go's net/http, which Lambda's API server uses, sets TCP_NODELAY too.
  server_.set_tcp_nodelay(true);  // bigger responses get rapid's 413, not httplib's
  add_runtime_api(server_, state_);
  add_extensions_api(server_, state_);
  TelemetryApiContext telemetry_context;
  telemetry_context.state = &state_;
  telemetry_context.dispatcher = &telemetry_;
  telemetry_context.enabled = o_.telemetry;
  telemetry_context.on_subscribed = [this](const std::string& agent, const std::vector<std::string>& types) {
    emit("platform.telemetrySubscription",
         JsonObject().str("name", agent).str("state", "Subscribed").str_array("types", types).done());
  };
  add_telemetry_api(server_, telemetry_context);
  int port = o_.port;
  if (port == 0) {
    port = server_.bind_to_any_port(o_.host);
  } else if (!server_.bind_to_port(o_.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}", o_.host, o_.port));
  }
  runtime_api_ = fmt::format("{}:{}", o_.host, port);
  server_thread_ = std::thread([this] { server_.listen_after_bind(); });

  env_ = sandbox_environment(o_, command_, runtime_api_, new_log_stream_name(o_.function_version));
  if (o_.enforce_limits) {
    limits_ = std::make_unique<SandboxLimits>(o_.memory_mb);
    if (!limits_->enforced()) {
      log(LogSource::kPlatform, "",
          "lambdascope: memory and CPU limits are not enforced (" + limits_->why_not() + ")");
      limits_.reset();
    }
  }

  sampler_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(sampler_mu_);
    while (!sampler_stop_) {
      sampler_cv_.wait_for(lock, kMemorySamplePeriod);
      if (sampler_stop_) break;
      lock.unlock();
      if (!freezer_.frozen()) sample_memory();
      lock.lock();
    }
  });
}

Emulator::Impl::~Impl() {
  try {
    shutdown();
  } catch (...) {
    // A destructor must not throw; shutdown() failing leaves nothing we could still do.
  }
}

// ---- Logging and telemetry -------------------------------------------------------------------------

void Emulator::Impl::log(LogSource source, const std::string& process, const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mu_);
  if (o_.on_log) {
    o_.on_log(source, process, line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void Emulator::Impl::emit(const std::string& type, const std::string& record) {
  std::string event =
      JsonObject().str("time", iso8601_ms(epoch_ms_now())).str("type", type).raw("record", record).done();
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    events_.push_back(event);
  }
  telemetry_.publish("platform", event);
}

// ---- Processes -------------------------------------------------------------------------------------

std::vector<std::string> Emulator::Impl::list_extensions() const {
  std::vector<std::string> names;
  if (o_.extensions_dir.empty()) return names;
  for (const auto& entry : fs::directory_iterator(o_.extensions_dir)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code ec;
    if (!fs::is_regular_file(entry.path(), ec)) continue;  // follows symlinks, like exec
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void Emulator::Impl::spawn_extension(const std::string& name, const std::string& path, uint64_t gen) {
  ProcessSpec spec;
  spec.name = "extension " + name;
  spec.argv = {path};
  spec.env = to_envp(env_.extensions);
  spec.cwd = env_.runtime["LAMBDA_TASK_ROOT"];
  auto on_line = [this, name](const std::string& line) {
    log(LogSource::kExtension, name, line);
    telemetry_.publish("extension", JsonObject()
                                        .str("time", iso8601_ms(epoch_ms_now()))
                                        .str("type", "extension")
                                        .str("record", line)
                                        .done());
  };
  auto on_exit = [this, name, gen](int status) {
    if (expecting_exits_ || gen != process_generation_) return;
    state_.set_fatal("Extension.Crash", "Extension " + name + " exited: " + describe_wait_status(status));
  };
  auto process = Process::spawn(spec, on_line, on_exit);
  if (limits_) limits_->adopt(process->pid());
  note_pids({process->pid()});
  std::lock_guard<std::mutex> lock(procs_mu_);
  extensions_.emplace_back(name, std::move(process));
}

void Emulator::Impl::spawn_runtime(uint64_t gen) {
  ProcessSpec spec;
  spec.name = "runtime";
  auto wrapper = env_.runtime.find("AWS_LAMBDA_EXEC_WRAPPER");
  std::string wrapper_path = wrapper == env_.runtime.end() ? "" : wrapper->second;
  if (!wrapper_path.empty() && command_.kind == RuntimeCommand::Kind::kProvided) {
    log(LogSource::kPlatform, "",
        "AWS_LAMBDA_EXEC_WRAPPER is ignored: OS-only runtimes (a bootstrap) do not support wrapper scripts");
  }
  spec.argv = wrapped_command(command_, wrapper_path);
  spec.env = to_envp(env_.runtime);
  spec.cwd = env_.runtime["LAMBDA_TASK_ROOT"];
  auto on_line = [this](const std::string& line) {
    log(LogSource::kFunction, "runtime", line);
    telemetry_.publish("function", JsonObject()
                                       .str("time", iso8601_ms(epoch_ms_now()))
                                       .str("type", "function")
                                       .str("record", line)
                                       .done());
  };
  auto on_exit = [this, gen](int status) {
    if (expecting_exits_ || gen != process_generation_) return;
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    state_.set_fatal("Runtime.ExitError", clean
                                              ? "Runtime exited without providing a reason"
                                              : "Runtime exited with error: " + describe_wait_status(status));
  };
  auto process = Process::spawn(spec, on_line, on_exit);
  if (limits_) limits_->adopt(process->pid());
  note_pids({process->pid()});
  std::lock_guard<std::mutex> lock(procs_mu_);
  runtime_ = std::move(process);
}

std::vector<pid_t> Emulator::Impl::sandbox_pids() const {
  std::lock_guard<std::mutex> lock(procs_mu_);
  std::vector<pid_t> pids;
  if (runtime_ && !runtime_->exited()) pids.push_back(runtime_->pid());
  for (const auto& [name, p] : extensions_) {
    if (!p->exited()) pids.push_back(p->pid());
  }
  return pids;
}

void Emulator::Impl::freeze() {
  if (!o_.freeze) return;
  telemetry_.pause();
  freezer_.freeze(sandbox_pids());
}

void Emulator::Impl::thaw() {
  if (freezer_.frozen()) freezer_.thaw(sandbox_pids());
  telemetry_.resume();
}

void Emulator::Impl::note_pids(const std::vector<pid_t>& pids) {
  std::lock_guard<std::mutex> lock(procs_mu_);
  seen_pids_.insert(pids.begin(), pids.end());
}

void Emulator::Impl::sample_memory() {
  uint64_t total = 0;
  std::vector<pid_t> tree = process_tree(sandbox_pids());
  for (pid_t pid : tree) total += peak_rss_kb(pid);
  note_pids(tree);
  uint64_t prev = peak_kb_.load();
  while (total > prev && !peak_kb_.compare_exchange_weak(prev, total)) {
  }
}

int Emulator::Impl::max_memory_used_mb() const {
  return static_cast<int>((peak_kb_.load() + 1023) / 1024);
}

// ---- Init ------------------------------------------------------------------------------------------

std::string Emulator::Impl::classify_failure() const {
  if (auto e = state_.init_error()) return e->error_type;
  for (const auto& a : state_.agents()) {
    if (a.state == ExtensionState::kInitError || a.state == ExtensionState::kExitError) return a.error_type;
    if (a.state == ExtensionState::kLaunchError)
      return a.error_type.empty() ? "Extension.LaunchError" : a.error_type;
  }
  if (auto f = state_.fatal()) return f->error_type;
  return "Runtime.Unknown";
}

InitReport Emulator::Impl::init() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (shutdown_report_) throw std::logic_error("the execution environment has been shut down");
  if (initialized_) return InitReport{"init", "success", "", pending_init_ms_.value_or(0)};
  return run_init("init", Clock::now() + o_.init_timeout);
}

InitReport Emulator::Impl::run_init(const std::string& phase, Clock::time_point deadline) {
  auto start = Clock::now();
  init_attempted_ = true;
  peak_kb_ = 0;
  std::vector<std::string> names = list_extensions();
  std::vector<std::string> all_names = names;
  all_names.insert(all_names.end(), o_.external_extensions.begin(), o_.external_extensions.end());
  if (o_.telemetry) telemetry_.open_window();
  state_.begin_generation(metadata_, all_names);
  expecting_exits_ = false;
  uint64_t gen = ++process_generation_;

  // On-demand functions initialize with a whole unthrottled vCPU (docs/lambda-local.md cites AWS on it);
  // an init repeated inside an invocation runs at the function's share.
  if (limits_ && phase == "init") limits_->set_cpu_share(1.0);
  log(LogSource::kPlatform, "", "INIT_START Runtime Version: " + command_.version);
  emit("platform.initStart", init_start_record(phase, command_.version));

  std::string status = "success", error_type;
  WaitResult w = WaitResult::kDone;
  if (all_names.size() > kMaxExtensions) {
    log(LogSource::kPlatform, "",
        fmt::format("Too many extensions: {} (Lambda allows {})", all_names.size(), kMaxExtensions));
    for (size_t i = kMaxExtensions; i < all_names.size(); ++i) {
      state_.mark_agent_launch_error(all_names[i], "Extension.TooManyExtensions");
    }
    w = WaitResult::kFailed;
  } else {
    for (const auto& name : names) {
      try {
        spawn_extension(name, (fs::path(o_.extensions_dir) / name).string(), gen);
      } catch (const SpawnError& e) {
        log(LogSource::kPlatform, "", e.what());
        state_.mark_agent_launch_error(name, "Extension.LaunchError");
        break;
      }
    }
    // Extensions register before the runtime starts (Lambda's "Extension init" comes first).
    w = state_.wait_external_agents_registered(deadline);
    if (w == WaitResult::kDone) {
      if (!o_.external_runtime) {
        state_.mark_runtime_started();
        try {
          spawn_runtime(gen);
        } catch (const SpawnError& e) {
          log(LogSource::kPlatform, "", e.what());
          state_.set_fatal("Runtime.InvalidEntrypoint", e.what());
        }
      }
      w = state_.wait_runtime_ready(deadline);
    }
    // rapid closes registration once the runtime is ready, then waits for every extension's first /next.
    state_.close_registration();
    if (w == WaitResult::kDone) w = state_.wait_agents_ready(deadline);
  }
  if (o_.telemetry) telemetry_.close_window();
  if (limits_) limits_->set_cpu_share(lambda_cpu_share(o_.memory_mb));
  if (w == WaitResult::kTimeout) {
    status = "timeout";
  } else if (w == WaitResult::kFailed) {
    status = "error";
    error_type = classify_failure();
  }
  double duration = ms_between(start, Clock::now());

  emit("platform.initRuntimeDone", init_done_record(phase, status, error_type));
  for (const auto& a : state_.agents()) emit("platform.extension", extension_record(a));
  emit("platform.initReport", init_report_record(phase, status, error_type, duration));

  InitReport result{phase, status, error_type, duration};
  if (status != "success" || phase == "invoke") {
    std::string line =
        fmt::format("INIT_REPORT Init Duration: {:.2f} ms\tPhase: {}\tStatus: {}", duration, phase, status);
    if (!error_type.empty()) line += "\tError Type: " + error_type;
    log(LogSource::kPlatform, "", line);
  }
  if (status == "success") {
    initialized_ = true;
    if (phase == "init") pending_init_ms_ = duration;
    sample_memory();
    freeze();
  } else {
    if (auto f = state_.fatal(); f && error_type == f->error_type) log(LogSource::kPlatform, "", f->message);
    reset(status == "timeout" ? "timeout" : "failure");
  }
  return result;
}

// ---- Invoke ----------------------------------------------------------------------------------------

InvokeResult Emulator::Impl::invoke(const InvokeRequest& request) {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (shutdown_report_) throw std::logic_error("the execution environment has been shut down");
  if (request.payload.size() > kMaxEventPayloadBytes) {
    // Lambda refuses such an Invoke before anything reaches the sandbox.
    throw std::invalid_argument(
        fmt::format("an event of {} bytes is over Lambda's {} byte limit for invocation payloads",
                    request.payload.size(), kMaxEventPayloadBytes));
  }
  InvokeResult r;
  r.request_id = new_uuid();
  r.memory_size_mb = o_.memory_mb;
  InvocationTrace trace{request.trace_id.empty() ? new_trace_id() : request.trace_id, random_span_id()};
  auto invoke_start = Clock::now();
  auto deadline = invoke_start + o_.timeout;

  if (!init_attempted_) {
    // On-demand cold start: the init phase runs first, with its own 10 s limit, outside the invocation.
    run_init("init", invoke_start + o_.init_timeout);
    invoke_start = Clock::now();
    deadline = invoke_start + o_.timeout;
  }
  if (!initialized_) {
    // A suppressed init: after a failed init or a reset, Lambda initializes again inside the invocation, and
    // the init counts against the invocation's timeout.
    r.init = run_init("invoke", deadline);
  } else {
    r.init_duration_ms = pending_init_ms_;
    pending_init_ms_.reset();
  }
  if (r.init && r.init->status != "success")
    return invoke_after_failed_init(std::move(r), trace, invoke_start);

  thaw();
  RuntimeDoneFacts facts;
  facts.released = Clock::now();
  // The invocation's duration, and its deadline, run from the moment the event is handed to the sandbox (or,
  // when the init had to run again inside the invocation, from the invocation's start) to the last /next.
  // Thawing is the platform's time: a deadline counted from before it would end a timed-out invocation short
  // of the function's timeout (by 30 ms and more on a busy machine), and its reported duration with it.
  const auto duration_start = r.init ? invoke_start : facts.released;
  deadline = duration_start + o_.timeout;
  start_invocation(r, trace);
  InvokeEvent event;
  event.request_id = r.request_id;
  event.payload = request.payload;
  event.deadline_ms = to_epoch_ms(deadline);
  event.invoked_function_arn = function_arn_;
  event.trace_id = trace.trace_id;
  event.client_context = request.client_context;
  event.cognito_identity = request.cognito_identity;
  state_.release_invoke(event, invoke_event(event, trace));

  WaitResult w = state_.wait_runtime_response(deadline);
  if (w == WaitResult::kDone) w = state_.wait_runtime_next(deadline);
  RuntimeOutcome outcome = state_.outcome();
  facts.runtime_done = w == WaitResult::kDone;
  facts.runtime_done_at = facts.runtime_done ? state_.runtime_ready_time() : Clock::now();
  if (facts.runtime_done_at < facts.released) facts.runtime_done_at = facts.released;
  r.runtime_duration_ms = ms_between(facts.released, facts.runtime_done_at);
  take_outcome(r, outcome);

  if (!facts.runtime_done) {
    record_failure(r, w, outcome);
    emit("platform.runtimeDone", runtime_done_record(r, outcome, facts, trace));
    sample_memory();
    reset(r.status == "timeout" ? "timeout" : "failure");
    r.environment_reset = true;
    finish_report(r, trace, duration_start, w == WaitResult::kTimeout ? deadline : Clock::now());
    return r;
  }

  emit("platform.runtimeDone", runtime_done_record(r, outcome, facts, trace));
  // Extensions subscribed to INVOKE may keep working after the runtime's response; the invocation (and its
  // duration) ends when the last of them calls /event/next again.
  WaitResult extensions = state_.wait_invoked_agents_ready(deadline);
  auto end = facts.runtime_done_at;
  for (const auto& [name, at] : state_.agent_ready_times()) end = std::max(end, at);
  if (extensions != WaitResult::kDone) {
    record_failure(r, extensions, outcome);
    sample_memory();
    reset(r.status == "timeout" ? "timeout" : "failure");
    r.environment_reset = true;
    end = extensions == WaitResult::kTimeout ? deadline : Clock::now();
  } else {
    sample_memory();
  }
  r.post_runtime_extensions_duration_ms =
      ms_between(facts.runtime_done_at, std::max(end, facts.runtime_done_at));
  finish_report(r, trace, duration_start, end);
  if (initialized_) freeze();
  return r;
}

void Emulator::Impl::start_invocation(const InvokeResult& r, const InvocationTrace& trace) {
  log(LogSource::kPlatform, "",
      fmt::format("START RequestId: {} Version: {}", r.request_id, o_.function_version));
  emit("platform.start", start_record(r.request_id, o_.function_version, trace));
}

// What the caller gets: the response as soon as the runtime has sent it, even if extensions are still
// running or fail afterwards.
void Emulator::Impl::take_outcome(InvokeResult& r, const RuntimeOutcome& outcome) {
  if (outcome.kind == RuntimeOutcome::Kind::kNone) return;
  r.payload = outcome.body;
  r.content_type = outcome.content_type.empty() ? "application/json" : outcome.content_type;
  if (outcome.kind == RuntimeOutcome::Kind::kResponse) {
    r.status = "success";
    return;
  }
  r.function_error = true;
  r.status = "error";
  r.error_type = outcome.error_type;
}

void Emulator::Impl::record_failure(InvokeResult& r, WaitResult why, const RuntimeOutcome& outcome) {
  std::string message;
  if (why == WaitResult::kTimeout) {
    r.status = "timeout";
    r.error_type = "Sandbox.Timedout";
    message = fmt::format("Task timed out after {:.2f} seconds", o_.timeout.count() / 1000.0);
    log(LogSource::kPlatform, "", fmt::format("{} {} {}", iso8601_ms(epoch_ms_now()), r.request_id, message));
  } else {
    message = "the execution environment failed";
    if (auto f = state_.fatal()) {
      r.error_type = f->error_type;
      message = f->message;
    } else {
      r.error_type = classify_failure();
      message = "extension reported " + r.error_type;
    }
    r.status = r.error_type.rfind("Sandbox.", 0) == 0 ? "failure" : "error";
    log(LogSource::kPlatform, "", fmt::format("RequestId: {} Error: {}", r.request_id, message));
    log(LogSource::kPlatform, "", r.error_type);
  }
  if (outcome.kind == RuntimeOutcome::Kind::kNone) {
    r.payload = error_body(r.error_type, fmt::format("RequestId: {} Error: {}", r.request_id, message));
    r.function_error = true;
  }
  if (r.content_type.empty()) r.content_type = "application/json";
}

// The init failed inside the invocation: the caller gets the init error (the runtime's own /init/error body
// when it sent one).
InvokeResult Emulator::Impl::invoke_after_failed_init(InvokeResult r, const InvocationTrace& trace,
                                                      Clock::time_point invoke_start) {
  start_invocation(r, trace);
  bool timeout = r.init->status == "timeout";
  r.status = timeout ? "timeout" : "error";
  r.error_type = timeout ? "Sandbox.Timedout" : r.init->error_type;
  r.function_error = true;
  r.environment_reset = true;
  r.content_type = "application/json";
  auto init_error = state_.init_error();
  if (init_error && !init_error->body.empty()) {
    r.payload = init_error->body;
  } else if (timeout) {
    r.payload =
        error_body("Sandbox.Timedout", fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds",
                                                   r.request_id, o_.timeout.count() / 1000.0));
  } else {
    auto f = state_.fatal();
    r.payload = error_body(r.error_type, fmt::format("RequestId: {} Error: {}", r.request_id,
                                                     f ? f->message : "init failed with " + r.error_type));
  }
  emit("platform.runtimeDone", failed_init_runtime_done_record(r));
  finish_report(r, trace, invoke_start, Clock::now());
  return r;
}

void Emulator::Impl::finish_report(InvokeResult& r, const InvocationTrace& trace, Clock::time_point start,
                                   Clock::time_point end) {
  r.duration_ms = ms_between(start, end);
  // Lambda bills the cold start's init with the first invocation (all runtimes since August 2025).
  double billed = r.duration_ms + r.init_duration_ms.value_or(0);
  r.billed_duration_ms = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(billed)));
  r.max_memory_used_mb = max_memory_used_mb();
  emit("platform.report", report_record(r, trace));
  log(LogSource::kPlatform, "", "END RequestId: " + r.request_id);
  log(LogSource::kPlatform, "", report_line(r));
}

// ---- Reset and shutdown ----------------------------------------------------------------------------

ShutdownReport Emulator::Impl::reset(const std::string& reason) {
  ShutdownReport rep;
  rep.reason = reason;
  auto start = Clock::now();
  expecting_exits_ = true;
  thaw();
  note_pids(process_tree(sandbox_pids()));

  size_t external = 0, internal = 0;
  std::map<std::string, AgentInfo> agents;
  for (const auto& a : state_.agents()) {
    agents[a.name] = a;
    if (a.state == ExtensionState::kStarted || a.state == ExtensionState::kLaunchError) continue;
    (a.external ? external : internal)++;
  }
  Process* runtime = nullptr;
  std::vector<std::pair<std::string, Process*>> extension_procs;
  {
    std::lock_guard<std::mutex> lock(procs_mu_);
    runtime = runtime_.get();
    for (auto& [name, p] : extensions_) extension_procs.emplace_back(name, p.get());
  }

  if (external + internal == 0) {
    // No extension to wait for: Lambda spends no time on a graceful shutdown.
    if (runtime) runtime->signal_group(SIGKILL);
  } else {
    auto budget = external > 0
                      ? o_.shutdown_timeout
                      : std::min<std::chrono::milliseconds>(kInternalOnlyShutdown, o_.shutdown_timeout);
    auto runtime_deadline =
        start + std::chrono::duration_cast<Clock::duration>(budget * kRuntimeShutdownShare);
    auto agents_deadline = start + budget;
    if (runtime && !runtime->exited()) {
      runtime->signal_group(SIGTERM);
      if (!runtime->wait_exit(runtime_deadline)) {
        runtime->signal_group(SIGKILL);
        rep.killed.push_back("runtime");
      }
    }
    if (telemetry_.subscriber_count() > 0) {
      telemetry_.flush(std::min(Clock::now() + kShutdownTelemetryFlush, agents_deadline));
    }
    std::string event = JsonObject()
                            .str("eventType", "SHUTDOWN")
                            .num("deadlineMs", to_epoch_ms(agents_deadline))
                            .str("shutdownReason", reason)
                            .done();
    std::vector<std::pair<std::string, Process*>> awaited;
    for (const auto& [name, p] : extension_procs) {
      auto it = agents.find(name);
      bool subscribed = it != agents.end() && it->second.shutdown &&
                        it->second.state != ExtensionState::kStarted &&
                        it->second.state != ExtensionState::kLaunchError;
      if (subscribed && !p->exited()) {
        state_.release_shutdown(name, event);
        awaited.emplace_back(name, p);
      } else {
        p->signal_group(SIGKILL);  // not subscribed to SHUTDOWN: killed right away, as rapid does
      }
    }
    for (const auto& name : o_.external_extensions) {
      auto it = agents.find(name);
      if (it != agents.end() && it->second.shutdown && it->second.state != ExtensionState::kStarted) {
        state_.release_shutdown(name, event);
        state_.wait_event_taken(name, agents_deadline);
      }
    }
    for (const auto& [name, p] : awaited) {
      if (p->wait_exit(agents_deadline)) {
        int status = p->wait_status();
        state_.mark_agent_exited(name, WIFEXITED(status) && WEXITSTATUS(status) == 0);
      } else {
        p->signal_group(SIGKILL);
        rep.killed.push_back("extension " + name);
        state_.mark_agent_exited(name, false);
        log(LogSource::kPlatform, "",
            "Extension " + name + " did not exit before the SHUTDOWN deadline; killed");
      }
    }
    if (runtime && !runtime->exited()) runtime->signal_group(SIGKILL);
  }
  auto exit_deadline = Clock::now() + kMaxProcessExitWait;
  if (runtime) runtime->wait_exit(exit_deadline);
  for (const auto& [name, p] : extension_procs) p->wait_exit(exit_deadline);

  std::set<pid_t> seen;
  {
    std::lock_guard<std::mutex> lock(procs_mu_);
    seen.swap(seen_pids_);
  }
  if (size_t n = remove_tmp_files_of(seen))
    log(LogSource::kPlatform, "",
        "removed " + std::to_string(n) + " files the sandbox's processes left in /tmp (rings, perf maps)");
  // The ring folder lambdascope's wrapper made for this sandbox, when its last ring is gone: the runtime
  // removes its ring after the extension has tried to remove the folder. A folder the user named stays.
  if (env_.runtime.count("LAMBDASCOPE_RING_DIR") == 0) {
    auto value = [&](const char* k) {
      auto it = env_.runtime.find(k);
      return it == env_.runtime.end() ? std::string() : it->second;
    };
    std::string dir =
        extension::ring_directory("", value("AWS_LAMBDA_RUNTIME_API"), value("AWS_LAMBDA_FUNCTION_NAME"));
    ::rmdir(dir.c_str());  // only when empty
  }
  state_.end_generation();
  telemetry_.clear();
  std::unique_ptr<Process> old_runtime;
  std::vector<std::pair<std::string, std::unique_ptr<Process>>> old_extensions;
  {
    std::lock_guard<std::mutex> lock(procs_mu_);
    old_runtime = std::move(runtime_);
    old_extensions.swap(extensions_);
  }
  old_runtime.reset();
  old_extensions.clear();
  initialized_ = false;
  rep.duration_ms = ms_between(start, Clock::now());
  return rep;
}

ShutdownReport Emulator::Impl::shutdown() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (shutdown_report_) return *shutdown_report_;
  shutdown_report_ = reset("spindown");
  {
    std::lock_guard<std::mutex> sampler_lock(sampler_mu_);
    sampler_stop_ = true;
  }
  sampler_cv_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  server_.stop();
  if (server_thread_.joinable()) server_thread_.join();
  limits_.reset();  // the processes are gone: remove the groups
  return *shutdown_report_;
}

// ---- Public wrappers -------------------------------------------------------------------------------

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Emulator::~Emulator() = default;
std::string Emulator::runtime_api() const {
  return impl_->runtime_api();
}
InitReport Emulator::init() {
  return impl_->init();
}
InvokeResult Emulator::invoke(const InvokeRequest& request) {
  return impl_->invoke(request);
}
ShutdownReport Emulator::shutdown() {
  return impl_->shutdown();
}
std::vector<std::string> Emulator::platform_events() const {
  return impl_->platform_events();
}
std::vector<pid_t> Emulator::sandbox_pids() const {
  return impl_->sandbox_pids();
}
bool Emulator::frozen() const {
  return impl_->frozen();
}

std::string report_line(const InvokeResult& r) {
  std::string line = fmt::format(
      "REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory "
      "Used: {} MB\t",
      r.request_id, r.duration_ms, r.billed_duration_ms, r.memory_size_mb, r.max_memory_used_mb);
  if (r.init_duration_ms) line += fmt::format("Init Duration: {:.2f} ms\t", *r.init_duration_ms);
  // CloudWatch's REPORT names the status when the environment failed (a timeout, a crash), not for an error
  // the function itself returned.
  if (r.status != "success" && (r.environment_reset || r.status == "timeout")) {
    line += "Status: " + r.status + "\t";
    if (!r.error_type.empty() && r.status != "timeout") line += "Error Type: " + r.error_type + "\t";
  }
  return line;
}

}  // namespace lambdascope::lambda
