// Preloaded after the agent by a test: an interposer of clock_gettime, as AddressSanitizer's or libfaketime's
// is. It counts the calls that come from the agent's code (by return address) apart from the program's and
// prints both at exit. The agent must read its clocks (also in its signal handler) through the C library's
// own function, so it must never reach this one.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*ClockFn)(clockid_t, struct timespec*);
static ClockFn next_clock_gettime;
enum { kMaxRanges = 8 };
static uintptr_t agent_lo[kMaxRanges], agent_hi[kMaxRanges];
static int agent_ranges;
static unsigned long agent_calls, program_calls;

static int find_agent(struct dl_phdr_info* info, size_t size, void* data) {
  (void)size;
  (void)data;
  if (info->dlpi_name == NULL || strstr(info->dlpi_name, "lambdascope-agent") == NULL) return 0;
  for (int i = 0; i < info->dlpi_phnum && agent_ranges < kMaxRanges; ++i) {
    const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    agent_lo[agent_ranges] = info->dlpi_addr + ph->p_vaddr;
    agent_hi[agent_ranges] = agent_lo[agent_ranges] + ph->p_memsz;
    ++agent_ranges;
  }
  return 1;
}

__attribute__((constructor)) static void spy_start(void) {
  if (next_clock_gettime == NULL) next_clock_gettime = (ClockFn)dlsym(RTLD_NEXT, "clock_gettime");
  dl_iterate_phdr(find_agent, NULL);
}

__attribute__((destructor)) static void spy_report(void) {
  if (agent_ranges == 0) return;  // not a process the agent is in
  char line[128];
  int n = snprintf(line, sizeof line, "clock_spy: agent %lu program %lu\n",
                   __atomic_load_n(&agent_calls, __ATOMIC_RELAXED),
                   __atomic_load_n(&program_calls, __ATOMIC_RELAXED));
  if (n > 0 && write(2, line, (size_t)n) < 0) return;
}

int clock_gettime(clockid_t clock, struct timespec* ts) {
  uintptr_t from = (uintptr_t)__builtin_return_address(0);
  int agent = 0;
  for (int i = 0; i < agent_ranges; ++i) agent |= from >= agent_lo[i] && from < agent_hi[i];
  __atomic_fetch_add(agent ? &agent_calls : &program_calls, 1, __ATOMIC_RELAXED);
  // Called before our constructor (by an earlier one): resolve now.
  if (next_clock_gettime == NULL) next_clock_gettime = (ClockFn)dlsym(RTLD_NEXT, "clock_gettime");
  return next_clock_gettime(clock, ts);
}
