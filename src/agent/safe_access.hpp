// Fault-guarded loads, for reading stack memory the handler cannot prove mapped (threads whose stack bounds
// are unknown). A load that faults is skipped: the SIGSEGV/SIGBUS handler recognizes the one instruction in
// safe_load and resumes at its failure exit. Faults anywhere else are passed to the handler that was there
// before ours, or re-raised with the default action, so the program crashes exactly as it would have.
#pragma once

#include <cstdint>

namespace lambdascope::agent {

// Reads *addr into *out; returns false (and leaves *out alone) when the load faulted.
extern "C" bool ls_safe_load(const uintptr_t* addr, uintptr_t* out);

// Installs the SIGSEGV and SIGBUS handlers (chaining to the existing ones). Normal context.
bool install_fault_guard();
// True while our handlers are installed; a program that installs its own SIGSEGV handler after us turns
// the guard off (checked by fault_guard_check() and the sigaction hook), and the unwinder then reads only
// memory it can prove mapped.
bool fault_guard_active();
void fault_guard_lost();
// Re-reads the installed SIGSEGV/SIGBUS handlers; returns fault_guard_active().
bool fault_guard_check();
uint64_t fault_guard_hits();

}  // namespace lambdascope::agent
