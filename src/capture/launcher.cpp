#include "capture/launcher.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>

extern char** environ;

namespace lambdascope::capture {

namespace {

volatile sig_atomic_t g_forward_pid = 0;

void forward_signal(int sig) {
  if (g_forward_pid > 0) ::kill(g_forward_pid, sig);
}

}  // namespace

std::vector<std::string> agent_environment(const AgentSettings& s) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string preload = s.agent;
  if (auto it = env.find("LD_PRELOAD"); it != env.end() && !it->second.empty()) preload += ":" + it->second;
  env["LD_PRELOAD"] = preload;
  env["LAMBDASCOPE_MODE"] = s.mode;
  env["LAMBDASCOPE_HZ"] = std::to_string(s.hz);
  env["LAMBDASCOPE_DEPTH"] = std::to_string(s.depth);
  env["LAMBDASCOPE_RING_DIR"] = s.ring_dir;
  env["LAMBDASCOPE_CHILDREN"] = s.follow_children ? "1" : "0";
  if (!s.ring_size.empty()) env["LAMBDASCOPE_RING_SIZE"] = s.ring_size;
  if (!s.signal.empty()) env["LAMBDASCOPE_SIGNAL"] = s.signal;
  if (s.duration > 0) env["LAMBDASCOPE_DURATION"] = std::to_string(static_cast<long>(s.duration + 0.999));
  // ASan programs insist on their runtime being first in the link map; the agent is first here, harmlessly.
  std::string& asan = env["ASAN_OPTIONS"];
  asan += std::string(asan.empty() ? "" : ":") + "verify_asan_link_order=0";
  if (s.node) {
    std::string& node = env["NODE_OPTIONS"];
    node += std::string(node.empty() ? "" : " ") +
            "--perf-basic-prof-only-functions --interpreted-frames-native-stack";
  }
  if (s.python) env["PYTHONPERFSUPPORT"] = "1";
  if (s.java) {
    // The same file as LD_PRELOAD's: the JVM's dlopen finds it loaded, so it is one agent in the process.
    std::string& java = env["JAVA_TOOL_OPTIONS"];
    java += std::string(java.empty() ? "" : " ") + "-agentpath:" + s.agent +
            " -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints";
  }
  std::vector<std::string> out;
  for (auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

pid_t launch(const std::string& exe, const std::vector<std::string>& args, std::vector<std::string> env) {
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    env.push_back("LAMBDASCOPE_ROOT_PID=" + std::to_string(::getpid()));
    std::vector<char*> argv, envp;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(exe.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "lambdascope: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  return child;
}

SignalForwarder::SignalForwarder(pid_t child) {
  g_forward_pid = child;
  struct sigaction ignore {
  }, forward{};
  ignore.sa_handler = SIG_IGN;
  forward.sa_handler = forward_signal;
  ::sigaction(SIGINT, &ignore, &old_int_);
  ::sigaction(SIGQUIT, &ignore, &old_quit_);
  ::sigaction(SIGTERM, &forward, &old_term_);
}

SignalForwarder::~SignalForwarder() {
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGQUIT, &old_quit_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  g_forward_pid = 0;
}

}  // namespace lambdascope::capture
