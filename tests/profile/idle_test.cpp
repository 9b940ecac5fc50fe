// Idle by leaf, on real stacks from the shared perf recordings: halted and hypervisor-blocked CPUs are idle,
// the idle loop's bookkeeping and the softirq work that interrupts idle are not.
#include "profile/idle.hpp"

#include <gtest/gtest.h>

#include "formats/reader.hpp"
#include "support/test_support.hpp"

namespace lambdascope::profile {
namespace {

// The stack (root first, ';'-separated, as in the folded files) interned in `p`.
StackId stack(Profile& p, std::string_view folded) {
  std::vector<FrameId> frames;
  size_t pos = 0;
  while (pos <= folded.size()) {
    size_t end = folded.find(';', pos);
    if (end == std::string_view::npos) end = folded.size();
    frames.push_back(p.intern_frame(folded.substr(pos, end - pos), "[kernel.kallsyms]", FrameKind::kKernel));
    pos = end + 1;
  }
  return p.intern_stack(frames);
}

TEST(Idle, LeafNames) {
  for (const char* n :
       {"native_safe_halt", "default_idle", "intel_idle", "mwait_idle_with_hints", "acpi_idle_do_entry",
        "poll_idle", "cpu_idle_poll", "intel_idle.isra.0", "native_safe_halt_[k]", "cpu_do_idle", "(idle)"})
    EXPECT_TRUE(is_idle_leaf(n)) << n;
  for (const char* n :
       {"menu_select", "cpu_startup_entry", "cpuidle_enter_state", "do_idle", "native_write_msr_safe",
        "xen_hypercall_sched_op", "net_rx_action", "", "idle", "(program)", "(garbage collector)"})
    EXPECT_FALSE(is_idle_leaf(n)) << n;
  EXPECT_TRUE(is_idle_hypercall("xen_hypercall_sched_op"));
  EXPECT_TRUE(is_idle_loop_function("cpu_bringup_and_idle"));
}

// Stacks as stackcollapse-perf.pl prints them for the shared recordings (comm left out).
TEST(Idle, StacksFromTheSharedRecordings) {
  Profile p;
  // perf-numa-stacks-01: a halted CPU.
  StackId halt = stack(p, "start_secondary;cpu_startup_entry;arch_cpu_idle;default_idle;native_safe_halt");
  // perf-mirageos-stacks-01: a Xen guest's idle vCPU blocks in a hypercall.
  StackId xen_idle =
      stack(p, "cpu_bringup_and_idle;cpu_startup_entry;arch_cpu_idle;default_idle;xen_hypercall_sched_op");
  // A busy task yielding through the same hypercall is not idle.
  StackId xen_yield = stack(p, "entry_SYSCALL_64;do_syscall_64;sys_sched_yield;xen_hypercall_sched_op");
  // perf-java-stacks-01: the idle loop choosing a C-state is CPU work.
  StackId governor =
      stack(p, "start_secondary;cpu_startup_entry;cpuidle_idle_call;cpuidle_select;menu_select");
  // inferno versioned-vmlinux: softirq network work on top of the idle loop. FlameScope's regex hides it.
  StackId softirq =
      stack(p,
            "[vmlinux-5.4.14-cloudflare-2020.1.11];start_secondary;cpu_startup_entry;do_idle;cpuidle_enter;"
            "cpuidle_enter_state;common_interrupt;do_IRQ;irq_exit;__softirqentry_text_start;net_rx_action;"
            "mlx5e_napi_poll;mlx5e_poll_rx_cq;mlx5e_handle_rx_cqe;mlx5e_skb_from_cqe_linear;mlx5e_xdp_handle;"
            "bpf_prog_2b956549c660136a_uni_l4lb");
  std::vector<uint8_t> idle = idle_stacks(p);
  ASSERT_EQ(idle.size(), p.stacks.size());
  EXPECT_TRUE(idle[halt]);
  EXPECT_TRUE(idle[xen_idle]);
  EXPECT_FALSE(idle[xen_yield]);
  EXPECT_FALSE(idle[governor]);
  EXPECT_FALSE(idle[softirq]);
  EXPECT_FALSE(idle[StackTrie::kRoot]);
  // The loop that calls it is not idle itself: start_secondary;cpu_startup_entry.
  StackId loop = p.stacks.parent(p.stacks.parent(p.stacks.parent(halt)));
  EXPECT_EQ(p.frame_name(p.stacks.frame(loop)), "cpu_startup_entry");
  EXPECT_FALSE(idle[loop]);
}

// Read from the recordings themselves: idle samples are swapper samples whose leaf halts, polls or blocks;
// swapper samples in the idle loop's bookkeeping (rcu_idle_enter) or in softirq work are not idle.
TEST(Idle, SharedRecordingsThroughTheReader) {
  struct Case {
    const char* path;
    const char* event;
    double swapper_samples;
    double idle_samples;
  };
  for (const Case& c :
       {Case{"flamegraph-tests/perf-numa-stacks-01.txt", "", 75, 75},              // native_safe_halt
        Case{"flamegraph-tests/perf-mirageos-stacks-01.txt", "", 39, 39},          // Xen hypercall
        Case{"flamegraph-tests/perf-cycles-instructions-01.txt", "cycles", 9, 9},  // poll_idle
        Case{"flamegraph-tests/perf-java-stacks-01.txt", "", 1, 0},                // rcu_idle_enter
        Case{"inferno-tests/versioned-vmlinux.txt", "", 1, 0}}) {                  // softirq on idle
    SCOPED_TRACE(c.path);
    formats::ReadOptions o;
    o.aggregate = true;
    o.event_filter = c.event;
    Profile p = formats::read_profile_file(testing::shared_data(std::string("perf-script/") + c.path), o);
    std::vector<uint8_t> idle = idle_stacks(p);
    double idle_samples = 0, swapper_samples = 0;
    for (size_t i = 0; i < p.num_samples(); ++i) {
      bool swapper = p.strings[p.samples.thread_name[i]] == "swapper";
      swapper_samples += swapper ? p.value(i, 0) : 0;
      if (idle[p.samples.stack[i]]) {
        EXPECT_TRUE(swapper);
        idle_samples += p.value(i, 0);
      }
    }
    EXPECT_EQ(swapper_samples, c.swapper_samples);
    EXPECT_EQ(idle_samples, c.idle_samples);
  }
}

}  // namespace
}  // namespace lambdascope::profile
