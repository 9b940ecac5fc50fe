// Which samples are idle, decided by the leaf frame (design.md: FlameScope's whole-stack regex also drops the
// IRQ and softirq work that interrupts idle; a leaf test keeps it). The heat map leaves idle samples out by
// default and the pages can hide them.
//
// Local to render until profile/idle.hpp (being written on the perf branch, same two functions) is merged;
// then this file goes and render uses that one.
#pragma once

#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::render {

// True for the functions a CPU sits in when it has nothing to run (kernel idle loops and halts on x86, arm64
// and Xen, and V8's "(idle)" node).
bool is_idle_leaf(std::string_view frame_name);

// The stack ids, ascending, whose leaf frame is idle.
std::vector<profile::StackId> idle_stacks(const profile::Profile& p);

}  // namespace lambdascope::render
