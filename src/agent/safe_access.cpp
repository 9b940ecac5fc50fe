#include "agent/safe_access.hpp"

#include <signal.h>
#include <ucontext.h>

#include <cstring>

#include "agent/libc_real.hpp"
#include "agent/syscalls.hpp"

// The load and its two exits. The fault handler compares the faulting PC with ls_safe_load_insn.
#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".globl ls_safe_load\n"
    ".hidden ls_safe_load\n"
    ".type ls_safe_load,@function\n"
    "ls_safe_load:\n"
    ".cfi_startproc\n"
    ".globl ls_safe_load_insn\n"
    ".hidden ls_safe_load_insn\n"
    "ls_safe_load_insn:\n"
    "  movq (%rdi), %rax\n"
    "  movq %rax, (%rsi)\n"
    "  movl $1, %eax\n"
    "  ret\n"
    ".globl ls_safe_load_fail\n"
    ".hidden ls_safe_load_fail\n"
    "ls_safe_load_fail:\n"
    "  xorl %eax, %eax\n"
    "  ret\n"
    ".cfi_endproc\n"
    ".size ls_safe_load, .-ls_safe_load\n");
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".globl ls_safe_load\n"
    ".hidden ls_safe_load\n"
    ".type ls_safe_load,%function\n"
    "ls_safe_load:\n"
    ".cfi_startproc\n"
    ".globl ls_safe_load_insn\n"
    ".hidden ls_safe_load_insn\n"
    "ls_safe_load_insn:\n"
    "  ldr x2, [x0]\n"
    "  str x2, [x1]\n"
    "  mov w0, #1\n"
    "  ret\n"
    ".globl ls_safe_load_fail\n"
    ".hidden ls_safe_load_fail\n"
    "ls_safe_load_fail:\n"
    "  mov w0, #0\n"
    "  ret\n"
    ".cfi_endproc\n"
    ".size ls_safe_load, .-ls_safe_load\n");
#endif

extern "C" char ls_safe_load_insn[];
extern "C" char ls_safe_load_fail[];

namespace lambdascope::agent {

namespace {

struct sigaction g_prev[2];  // SIGSEGV, SIGBUS
bool g_active = false;
uint64_t g_hits = 0;

int slot(int sig) {
  return sig == SIGBUS ? 1 : 0;
}
const int kFaultSignals[] = {SIGSEGV, SIGBUS};

// Resets `sig` to its default action with the raw syscall (our sigaction interposer must not see it).
void reset_default(int sig) {
  struct KernelSigaction {
    void* handler;
    unsigned long flags;
    void* restorer;
    uint64_t mask;
  } act{};
  act.handler = nullptr;  // SIG_DFL
  sys::call(SYS_rt_sigaction, sig, reinterpret_cast<long>(&act), 0, 8);
}

void fault_handler(int sig, siginfo_t* info, void* ucv) {
  auto* uc = static_cast<ucontext_t*>(ucv);
#if defined(__x86_64__)
  greg_t& pc = uc->uc_mcontext.gregs[REG_RIP];
  if (pc == reinterpret_cast<greg_t>(ls_safe_load_insn)) {
    pc = reinterpret_cast<greg_t>(ls_safe_load_fail);
    __atomic_fetch_add(&g_hits, 1, __ATOMIC_RELAXED);
    return;
  }
#elif defined(__aarch64__)
  if (uc->uc_mcontext.pc == reinterpret_cast<uint64_t>(ls_safe_load_insn)) {
    uc->uc_mcontext.pc = reinterpret_cast<uint64_t>(ls_safe_load_fail);
    __atomic_fetch_add(&g_hits, 1, __ATOMIC_RELAXED);
    return;
  }
#endif
  // Not ours: behave as if we were never installed.
  const struct sigaction& prev = g_prev[slot(sig)];
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction != nullptr) prev.sa_sigaction(sig, info, ucv);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // Default action: restore it; a real fault re-executes and kills the process as before, a signal sent by
  // kill() is sent again so the default action happens once we return.
  reset_default(sig);
  if (info->si_code <= 0) sys::tgkill(sys::getpid(), sys::gettid(), sig);
}

bool is_ours(const struct sigaction& a) {
  return (a.sa_flags & SA_SIGINFO) && a.sa_sigaction == fault_handler;
}

}  // namespace

bool install_fault_guard() {
  for (int sig : kFaultSignals) {
    struct sigaction act;
    std::memset(&act, 0, sizeof act);
    act.sa_sigaction = fault_handler;
    act.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&act.sa_mask);
    struct sigaction old;
    if (real::sigaction(sig, nullptr, &old) != 0) return false;
    if (is_ours(old)) continue;
    g_prev[slot(sig)] = old;
    if (real::sigaction(sig, &act, nullptr) != 0) return false;
  }
  __atomic_store_n(&g_active, true, __ATOMIC_RELEASE);
  return true;
}

bool fault_guard_active() {
  return __atomic_load_n(&g_active, __ATOMIC_ACQUIRE);
}
void fault_guard_lost() {
  __atomic_store_n(&g_active, false, __ATOMIC_RELEASE);
}

bool fault_guard_check() {
  bool ok = true;
  for (int sig : kFaultSignals) {
    struct sigaction cur;
    if (real::sigaction(sig, nullptr, &cur) != 0 || !is_ours(cur)) ok = false;
  }
  if (!ok) fault_guard_lost();
  return fault_guard_active();
}

uint64_t fault_guard_hits() {
  return __atomic_load_n(&g_hits, __ATOMIC_RELAXED);
}

}  // namespace lambdascope::agent
