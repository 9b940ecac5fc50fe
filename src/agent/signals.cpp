#include "agent/signals.hpp"

#include <cstring>

#include "agent/libc_real.hpp"
#include "agent/sample_handler.hpp"

namespace lambdascope::agent {

bool is_sample_handler(const struct sigaction& act) {
  return (act.sa_flags & SA_SIGINFO) && act.sa_sigaction == sample_handler;
}

bool signal_is_free(int sig) {
  struct sigaction cur;
  if (real::sigaction(sig, nullptr, &cur) != 0) return false;
  if (is_sample_handler(cur)) return true;
  return !(cur.sa_flags & SA_SIGINFO) && (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN);
}

int choose_signal(int exclude) {
  const int standard[] = {SIGPROF, SIGVTALRM, SIGPWR, SIGSTKFLT};
  for (int sig : standard)
    if (sig != exclude && signal_is_free(sig)) return sig;
  for (int sig = SIGRTMAX; sig >= SIGRTMIN + 3; --sig)
    if (sig != exclude && signal_is_free(sig)) return sig;
  return 0;
}

bool install_sample_handler(int sig) {
  struct sigaction act;
  std::memset(&act, 0, sizeof act);
  act.sa_sigaction = sample_handler;
  // SA_ONSTACK: runtimes with small goroutine/fiber stacks (Go) require handlers to use the alternate stack.
  // SA_RESTART: restartable system calls are not failed with EINTR because of us.
  act.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigemptyset(&act.sa_mask);
  return real::sigaction(sig, &act, nullptr) == 0;
}

bool sample_handler_owns(int sig) {
  struct sigaction cur;
  return real::sigaction(sig, nullptr, &cur) == 0 && is_sample_handler(cur);
}

}  // namespace lambdascope::agent
