#include "render/idle.hpp"

#include <algorithm>
#include <array>

namespace lambdascope::render {

namespace {

// Sorted, for binary search. Kernel functions a CPU executes while idle, as they appear as the leaf of a
// sample (perf's idle task "swapper"): the halt and mwait primitives and the idle loops that call them.
constexpr std::array<std::string_view, 26> kIdleLeaves = {
    "(idle)",              // V8 / Chrome .cpuprofile
    "acpi_idle_do_entry",  // x86 ACPI C-states
    "acpi_idle_enter",
    "acpi_safe_halt",
    "arch_cpu_idle",
    "cpu_bringup_and_idle",  // Xen PV
    "cpu_do_idle",           // arm64 wfi
    "cpu_idle",
    "cpu_idle_poll",
    "cpuidle_enter_state",
    "default_idle",
    "hv_native_safe_halt",  // Hyper-V
    "intel_idle",
    "intel_idle_ibrs",
    "intel_idle_irq",
    "intel_idle_xstate",
    "mwait_idle",
    "mwait_idle_with_hints",
    "native_safe_halt",
    "poll_idle",
    "psci_cpu_suspend_enter",  // arm64
    "pv_native_safe_halt",
    "safe_halt",
    "xen_hypercall_sched_op",  // Xen HVM/PV
    "xen_hypercall_vcpu_op",
    "xen_safe_halt",
};

}  // namespace

bool is_idle_leaf(std::string_view name) {
  static_assert(std::is_sorted(kIdleLeaves.begin(), kIdleLeaves.end()));
  return std::binary_search(kIdleLeaves.begin(), kIdleLeaves.end(), name);
}

std::vector<profile::StackId> idle_stacks(const profile::Profile& p) {
  // Decide per frame once; many stacks share a leaf.
  std::vector<char> idle_frame(p.frames.size());
  for (profile::FrameId f = 0; f < p.frames.size(); ++f) idle_frame[f] = is_idle_leaf(p.frame_name(f));
  std::vector<profile::StackId> out;
  for (profile::StackId s = 1; s < p.stacks.size(); ++s)
    if (idle_frame[p.stacks.frame(s)]) out.push_back(s);
  return out;
}

}  // namespace lambdascope::render
