// Idle samples: a CPU that was halted, in mwait or polling for work when the sample was taken. The decision
// is made on the stack's leaf, not by a regular expression over the whole stack: FlameScope drops any swapper
// stack with an idle function anywhere in it, which hides the softirq and interrupt work that runs on top of
// the idle loop (swapper;...;cpuidle_enter_state;common_interrupt;...;net_rx_action is work, not idle).
// Readers keep idle samples; views (heat maps, flame graphs) use this to hide or grey them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::profile {

// Functions where an idle CPU sits: halt (native_safe_halt, default_idle, xen_safe_halt, ...), mwait
// (intel_idle, mwait_idle_with_hints, acpi_idle_do_entry, ...), polling (poll_idle, cpu_idle_poll) and the
// arm64 equivalents (cpu_do_idle, arch_cpu_idle). Compiler clone suffixes (".isra.0", ".constprop.0") and a
// folded "_[k]" annotation are ignored. Also V8's "(idle)" (a JavaScript thread waiting in its event loop).
bool is_idle_leaf(std::string_view name);

// Hypervisor calls that are idle only when the idle loop made them (xen_hypercall_sched_op blocks the vCPU
// from default_idle, and also yields from busy tasks).
bool is_idle_hypercall(std::string_view name);

// The idle loop's own functions (cpu_startup_entry, do_idle, cpu_idle, cpu_bringup_and_idle, ...): the
// callers that make a hypercall leaf idle. Never idle as a leaf themselves: that is the loop's bookkeeping.
bool is_idle_loop_function(std::string_view name);

// One entry per stack id of `p` (index = StackId): 1 when the stack's leaf is idle, or is an idle hypercall
// made from the idle loop; 0 otherwise (and for the empty stack).
std::vector<uint8_t> idle_stacks(const Profile& p);

}  // namespace lambdascope::profile
