// Builds a profile::Profile from what was read out of agent rings: symbolized stacks, per-sample wall-clock
// time (the ring's monotonic times through its clock anchor), pid, tid and thread name, with the sample types
// and period of the mode (cpu or wall nanoseconds), and the agent's counters as comments. Wall profiles (from
// rings of version 2 on) have three sample types, `samples`, `wall` and `cpu` (nanoseconds), and samples of
// threads that did not run since their previous sample end in a waiting frame (capture/waiting_state.hpp).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "capture/ring_reader.hpp"
#include "profile/profile.hpp"
#include "symbolize/symbolizer.hpp"

namespace lambdascope::capture {

struct BuildOptions {
  bool hide_agent_frames = true;  // the agent's own thread-start trampoline
  std::string agent_module = "liblambdascope-agent.so";
  // Leave out threads none of whose samples ran (a pool waiting for work), and count them in a comment:
  // for profiles of a time window such as one invocation.
  bool omit_idle_threads = false;
  // Symbolizing stops here (checked per address not yet named in the ring): later addresses become
  // unsymbolized frames with their mapping and build id (profile/frame_address.hpp), counted in a comment,
  // so a profile written against a deadline is saved, named as far as it got.
  std::chrono::steady_clock::time_point symbolize_by = std::chrono::steady_clock::time_point::max();
  // Keep the CPython interpreter's own C frames inside Python code (capture/python_collapse.hpp).
  bool python_interpreter_frames = false;
};

// Sets the sample types, period and attributes of a profile for rings of this mode and rate.
void init_profile(profile::Profile& p, const RingInfo& info);

// Appends the samples of one ring (one process image). Rings of one process (before and after exec) can go
// into one profile in order.
void add_ring(profile::Profile& p, const RingData& ring, symbolize::Symbolizer& symbolizer,
              const BuildOptions& options = {});

// One-line summaries of the agent's counters worth telling a user (drops, lost signal, failures).
std::vector<std::string> ring_warnings(const RingData& ring);

}  // namespace lambdascope::capture
