// The extension's settings, from the function's environment (extensions inherit it). A value that does not
// parse is reported in one log line and replaced by its default: a typo in a profiler setting must never
// make the function fail. The agent's own settings (LAMBDASCOPE_MODE, LAMBDASCOPE_HZ) are read by the
// agent; the extension learns them from the ring header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lambdascope::lambda::extension {

enum class FlushMode {
  kBackground,  // /event/next at once; profiles are cut, written and sent by background threads
  kInvoke,      // wait for the invocation's end and write its profile before /event/next (adds duration)
  kShutdown,    // profiles wait in the spool until SHUTDOWN
};

struct ExtensionConfig {
  std::string name = "lambdascope";  // Lambda-Extension-Name: the file name in /opt/extensions
  bool enabled = true;               // LAMBDASCOPE_ENABLED=0: register and stay out of the way
  bool debug = false;
  FlushMode flush = FlushMode::kBackground;
  double sample_rate = 1.0;    // fraction of invocations whose profile is kept
  double min_duration_ms = 0;  // keep only invocations at least this long
  std::string destination = "file:///tmp/lambdascope";
  std::string spool_dir;  // default /tmp/lambdascope-spool/<same name as the ring folder>
  uint64_t spool_bytes = 64ull << 20;
  std::string ring_dir;
  std::string inbox_dir = "/tmp/lambdascope/inbox";  // LAMBDASCOPE_INBOX: profiles the runtime wrote itself
  bool default_ring_dir = true;   // the ring folder is the derived default (ours to remove when empty)
  bool default_spool_dir = true;  // the same for the spool folder
  std::string runtime_api;        // host:port
  std::string function_name;
  std::string mode_hint;           // LAMBDASCOPE_MODE as the agent will read it (for log lines only)
  bool keep_idle_threads = false;  // LAMBDASCOPE_IDLE_THREADS=keep: threads that did not run stay in
                                   // invocation profiles
  // LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS: at SHUTDOWN, symbolizing stops this many ms after the event at the
  // latest (default: three quarters of the writing time); later addresses are saved unnamed. -1 = unset.
  double shutdown_symbolize_ms = -1;
  bool python_interpreter_frames = false;  // LAMBDASCOPE_PYTHON_FRAMES=all: CPython's own C frames stay

  std::vector<std::string> warnings;  // one line per bad value, logged at start
};

using EnvLookup = std::function<const char*(const char*)>;

// Reads every LAMBDASCOPE_* setting (and AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME).
ExtensionConfig load_config(const EnvLookup& env);

const char* flush_mode_name(FlushMode mode);

}  // namespace lambdascope::lambda::extension
