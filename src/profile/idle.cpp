#include "profile/idle.hpp"

#include <algorithm>
#include <array>

namespace lambdascope::profile {

namespace {

// Sorted, for binary search. "(idle)" is V8's and Chrome's node for a JavaScript thread waiting for work
// (.cpuprofile, Chrome traces): idle in the same sense.
constexpr std::array kIdleLeaves = std::to_array<std::string_view>({
    "(idle)",
    "acpi_idle_do_entry",
    "acpi_idle_enter",
    "acpi_idle_enter_bm",
    "acpi_processor_ffh_cstate_enter",
    "acpi_safe_halt",
    "amd_e400_idle",
    "arch_cpu_idle",
    "arch_safe_halt",
    "cpu_do_idle",
    "cpu_idle_poll",
    "default_idle",
    "halt",
    "intel_idle",
    "intel_idle_hlt",
    "intel_idle_ibrs",
    "intel_idle_irq",
    "intel_idle_s2idle",
    "intel_idle_xstate",
    "io_idle",
    "mwait_idle",
    "mwait_idle_with_hints",
    "native_safe_halt",
    "poll_idle",
    "psci_cpu_suspend_enter",
    "pv_native_safe_halt",
    "safe_halt",
    "xen_safe_halt",
});

constexpr std::array kIdleHypercalls = std::to_array<std::string_view>({
    "HYPERVISOR_sched_op",
    "hypercall_page",
    "xen_hypercall_sched_op",
    "xen_hypercall_vcpu_op",
});

constexpr std::array kIdleLoop = std::to_array<std::string_view>({
    "arch_cpu_idle",
    "call_cpuidle",
    "cpu_bringup_and_idle",
    "cpu_idle",
    "cpu_idle_loop",
    "cpu_startup_entry",
    "cpuidle_idle_call",
    "default_idle",
    "default_idle_call",
    "do_idle",
    "xen_safe_halt",
});

// "intel_idle.isra.0_[k]" -> "intel_idle"
std::string_view base_name(std::string_view name) {
  if (name.ends_with("_[k]")) name.remove_suffix(4);
  size_t dot = name.find('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  return name;
}

template <size_t N>
bool contains(const std::array<std::string_view, N>& sorted, std::string_view name) {
  return std::binary_search(sorted.begin(), sorted.end(), base_name(name));
}

}  // namespace

bool is_idle_leaf(std::string_view name) {
  return contains(kIdleLeaves, name);
}

bool is_idle_hypercall(std::string_view name) {
  return contains(kIdleHypercalls, name);
}

bool is_idle_loop_function(std::string_view name) {
  return contains(kIdleLoop, name);
}

std::vector<uint8_t> idle_stacks(const Profile& p) {
  enum : uint8_t { kLeaf = 1, kHypercall = 2, kLoop = 4 };
  std::vector<uint8_t> frame_flags(p.frames.size());
  for (FrameId f = 0; f < p.frames.size(); ++f) {
    std::string_view name = p.frame_name(f);
    frame_flags[f] =
        static_cast<uint8_t>((is_idle_leaf(name) ? kLeaf : 0) | (is_idle_hypercall(name) ? kHypercall : 0) |
                             (is_idle_loop_function(name) ? kLoop : 0));
  }
  const StackTrie& trie = p.stacks;
  std::vector<uint8_t> idle(trie.size(), 0);
  std::vector<uint8_t> in_loop(trie.size(), 0);  // some frame of the stack is an idle loop function
  // A node is created after its parent, so parents come first.
  for (StackId s = 1; s < trie.size(); ++s) {
    uint8_t flags = frame_flags[trie.frame(s)];
    StackId parent = trie.parent(s);
    in_loop[s] = in_loop[parent] || (flags & kLoop);
    idle[s] = (flags & kLeaf) || ((flags & kHypercall) && in_loop[parent]);
  }
  return idle;
}

}  // namespace lambdascope::profile
