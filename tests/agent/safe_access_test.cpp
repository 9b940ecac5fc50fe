// Guarded loads: a faulting load is skipped and counted; a fault anywhere else still reaches the handler
// that was installed before ours.
#include <gtest/gtest.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "agent/safe_access.hpp"

namespace lambdascope::agent {
namespace {

sigjmp_buf g_jump;
volatile sig_atomic_t g_previous_handler_ran = 0;

void previous_handler(int, siginfo_t*, void*) {
  g_previous_handler_ran = 1;
  siglongjmp(g_jump, 1);
}

TEST(SafeAccess, FaultsAreSkippedAndOtherFaultsChained) {
  // A handler of "the program", installed before the agent's guard.
  struct sigaction mine {
  }, saved_segv{};
  mine.sa_sigaction = previous_handler;
  mine.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &mine, &saved_segv);
  ASSERT_TRUE(install_fault_guard());
  EXPECT_TRUE(fault_guard_check());

  uintptr_t value = 42, out = 0;
  EXPECT_TRUE(ls_safe_load(&value, &out));
  EXPECT_EQ(out, 42u);

  auto* page = static_cast<uintptr_t*>(mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(page, MAP_FAILED);
  uint64_t hits = fault_guard_hits();
  out = 7;
  EXPECT_FALSE(ls_safe_load(page, &out));
  EXPECT_EQ(out, 7u);
  EXPECT_EQ(fault_guard_hits(), hits + 1);
  EXPECT_FALSE(g_previous_handler_ran);

  // A fault that is not ours goes to the previous handler.
  if (sigsetjmp(g_jump, 1) == 0) {
    *static_cast<volatile uintptr_t*>(page) = 1;
    ADD_FAILURE() << "the write did not fault";
  }
  EXPECT_TRUE(g_previous_handler_ran);
  munmap(page, 4096);

  // Someone replacing SIGSEGV turns the guard off.
  sigaction(SIGSEGV, &saved_segv, nullptr);
  EXPECT_FALSE(fault_guard_check());
  EXPECT_FALSE(fault_guard_active());
}

}  // namespace
}  // namespace lambdascope::agent
