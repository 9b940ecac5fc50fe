// Starting a command with the agent preloaded: the environment that configures the agent, fork/exec, and
// forwarding of the signals a terminal sends, so that Ctrl-C stops the command while we stay to write its
// profile. Never waits for the child: the caller polls rings meanwhile.
#pragma once

#include <sys/types.h>

#include <signal.h>

#include <string>
#include <vector>

namespace lambdascope::capture {

// The agent's settings (LAMBDASCOPE_* variables, see docs/agent.md).
struct AgentSettings {
  std::string agent;  // path of liblambdascope-agent.so, put first in LD_PRELOAD
  std::string mode = "cpu";
  int hz = 99;
  int depth = 128;
  std::string ring_dir;
  bool follow_children = true;
  std::string ring_size;  // "" = the agent's default
  std::string signal;     // "" = the agent's choice
  double duration = 0;    // seconds, 0 = until exit
  bool node = false;      // NODE_OPTIONS for JIT frames (perf maps)
  bool python = false;    // PYTHONPERFSUPPORT=1
  bool java = false;      // JAVA_TOOL_OPTIONS: the agent as a JVMTI agent too (-agentpath), exact inlining
};

// This process's environment with the agent's settings added (KEY=VALUE strings, sorted by key).
std::vector<std::string> agent_environment(const AgentSettings& settings);

// Forks and execs `exe` with `args` (args[0] included) and `env`; LAMBDASCOPE_ROOT_PID is added in the child.
// Throws when fork fails; a failed exec exits the child with 127 after a message.
pid_t launch(const std::string& exe, const std::vector<std::string>& args, std::vector<std::string> env);

// While alive: SIGINT and SIGQUIT are ignored here (the terminal sends them to the command too) and SIGTERM
// is passed on to `child`. Restores the previous handlers on destruction. One at a time.
class SignalForwarder {
 public:
  explicit SignalForwarder(pid_t child);
  ~SignalForwarder();
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
  struct sigaction old_term_ {};
};

}  // namespace lambdascope::capture
