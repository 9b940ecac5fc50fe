// `lambdascope local`: runs a function in the local Lambda execution environment (src/lambda/emulator).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "lambda/emulator/emulator.hpp"
#include "lambda/emulator/event_file.hpp"
#include "lambda/emulator/local_run.hpp"
#include "lambda/emulator/process.hpp"

namespace lambdascope::cli {

namespace {

struct LocalFlags {
  std::string function_dir, handler, events, extensions_dir, name, ric, region = "us-east-1";
  int invocations = 0;
  int interval_ms = 0;
  int memory = 128;
  bool no_limits = false;
  int shutdown_ms = 0;  // 0: Lambda's
  double timeout_s = 3;
  bool no_telemetry = false;
  bool json = false;
  int port = 0;
  std::vector<std::string> env;
  std::vector<std::string> runtime;  // after --
};

void on_interrupt(int sig) {
  // Frozen sandbox processes would otherwise outlive us, stopped forever.
  lambda::kill_all_sandbox_process_groups();
  _exit(128 + sig);
}

}  // namespace

Action add_local_command(CLI::App& app) {
  auto flags = std::make_shared<LocalFlags>();
  CLI::App* cmd = app.add_subcommand("local", "Run a function in a local Lambda execution environment");
  cmd->footer(
      "Serves Lambda's Runtime, Extensions and Telemetry APIs on 127.0.0.1 and runs the function as Lambda "
      "does:\n"
      "extensions first, init, one invocation per event (the sandbox frozen in between), SHUTDOWN at the "
      "end.\n"
      "The function folder holds a `bootstrap` (custom runtime) or a Node.js handler (run with AWS's\n"
      "aws-lambda-ric from a node_modules folder above it). Responses go to stdout, one per line; the log\n"
      "stream (START, function output, END, REPORT) to stderr. See docs/lambda-local.md.\n\n"
      "Examples:\n"
      "  lambdascope local --function examples/functions/node-hello --events events.jsonl\n"
      "  lambdascope local --function build/examples/functions/cpp-bootstrap --handler work --events e.jsonl "
      "\\\n"
      "      --invocations 20 --extensions /path/to/extensions --json\n"
      "  echo '{}' | lambdascope local --function fn --events - --no-telemetry");
  cmd->add_option("--function", flags->function_dir, "Function folder (LAMBDA_TASK_ROOT)")->required();
  cmd->add_option("--handler", flags->handler,
                  "_HANDLER (default index.handler for Node.js, handler for bootstrap)");
  cmd->add_option("--events", flags->events,
                  "JSON Lines file of event payloads, one per invocation (- for stdin)")
      ->required();
  cmd->add_option("--invocations", flags->invocations,
                  "Number of invocations (default: one per event; the events repeat when N is larger)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--interval", flags->interval_ms,
                  "Milliseconds from the end of one invocation to the next, the sandbox frozen meanwhile, as "
                  "between a function's requests (default 0: back to back)")
      ->check(CLI::Range(0, 3600000));
  CLI::Option* memory =
      cmd->add_option(
             "--memory", flags->memory,
             "Memory size in MB; when given, the sandbox gets Lambda's CPU share (MB/1,769 of one CPU) "
             "and this much memory through cgroups (without it: 128, reported, not enforced)")
          ->check(CLI::Range(128, 10240))
          ->capture_default_str();
  cmd->add_flag("--no-limits", flags->no_limits, "Do not enforce --memory's CPU share and memory limit");
  cmd->add_option("--shutdown-timeout", flags->shutdown_ms,
                  "SHUTDOWN budget in ms (default: Lambda's, 2000 with external extensions); shorter ones "
                  "show what an extension saves when time runs out")
      ->check(CLI::Range(1, 60000));
  cmd->add_option("--timeout", flags->timeout_s, "Function timeout in seconds")
      ->check(CLI::Range(0.001, 900.0))
      ->capture_default_str();
  cmd->add_option("--extensions", flags->extensions_dir,
                  "Folder of extension executables (Lambda's /opt/extensions)");
  cmd->add_flag("--no-telemetry", flags->no_telemetry,
                "Answer Telemetry API subscriptions like AWS's emulator (202 Telemetry.NotSupported)");
  // One value per --env: a list option would also take the `--` before the runtime's command as its end and
  // leave the command's own options to the option parser.
  cmd->add_option("--env", flags->env, "Function environment variable KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--name", flags->name, "Function name (default: the folder's name)");
  cmd->add_option("--region", flags->region, "AWS_REGION of the function")->capture_default_str();
  cmd->add_option("--port", flags->port, "Port of the APIs on 127.0.0.1 (default: any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--ric", flags->ric,
                  "aws-lambda-ric's index.mjs (default: found in node_modules above the function)");
  cmd->add_option("runtime", flags->runtime,
                  "The runtime's command, after --, started as Lambda starts a managed runtime (behind "
                  "AWS_LAMBDA_EXEC_WRAPPER), e.g. -- python3.13 runtime.py (default: the folder's bootstrap, "
                  "else Node.js with aws-lambda-ric)");
  cmd->add_flag("--json", flags->json, "Print one JSON object per invocation (response, status, durations)");

  return [flags, memory] {
    const LocalFlags& f = *flags;
    lambda::EmulatorOptions o;
    // The sandbox's processes run in other working directories (Lambda's /var/task, /opt): relative paths
    // from the command line would point elsewhere for them.
    auto absolute = [](const std::string& path) {
      return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
    };
    o.function_dir = absolute(f.function_dir);
    o.handler = f.handler;
    o.extensions_dir = absolute(f.extensions_dir);
    o.function_name = f.name;
    o.region = f.region;
    o.memory_mb = f.memory;
    o.enforce_limits = memory->count() > 0 && !f.no_limits;
    if (f.shutdown_ms > 0) o.shutdown_timeout = std::chrono::milliseconds(f.shutdown_ms);
    o.timeout = std::chrono::milliseconds(static_cast<int64_t>(f.timeout_s * 1000 + 0.5));
    o.telemetry = !f.no_telemetry;
    o.port = f.port;
    o.ric_path = absolute(f.ric);
    o.runtime_command = f.runtime;
    lambda::add_env_assignments(f.env, o.environment);
    // lambdascope's extension stores profiles here unless told otherwise (on Lambda: /tmp/lambdascope).
    if (o.environment.count("LAMBDASCOPE_DESTINATION") == 0)
      o.environment["LAMBDASCOPE_DESTINATION"] =
          "file://" + (std::filesystem::current_path() / "lambdascope-data").string();
    o.on_log = [](lambda::LogSource, const std::string&, const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    };
    lambda::LocalRun run;
    run.events = lambda::read_event_lines(f.events);
    run.count = f.invocations > 0 ? static_cast<size_t>(f.invocations) : run.events.size();
    run.json = f.json;
    run.interval = std::chrono::milliseconds(f.interval_ms);

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);

    lambda::Emulator emulator(std::move(o));
    std::string summary = lambda::run_local(emulator, run);
    std::fprintf(stderr, "lambdascope local: %s\n", summary.c_str());
    return 0;
  };
}

}  // namespace lambdascope::cli
