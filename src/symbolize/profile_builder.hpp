// Builds a profile::Profile from what was read out of agent rings: symbolized stacks, per-sample wall-clock
// time (the ring's monotonic times through its clock anchor), pid, tid and thread name, with the sample types
// and period of the mode (cpu or wall nanoseconds), and the agent's counters as comments.
#pragma once

#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "symbolize/ring_reader.hpp"
#include "symbolize/symbolizer.hpp"

namespace lambdascope::symbolize {

struct BuildOptions {
  bool hide_agent_frames = true;  // the agent's own thread-start trampoline
  std::string agent_module = "liblambdascope-agent.so";
};

// Sets the sample types, period and attributes of a profile for rings of this mode and rate.
void init_profile(profile::Profile& p, const RingInfo& info);

// Appends the samples of one ring (one process image). Rings of one process (before and after exec) can go
// into one profile in order.
void add_ring(profile::Profile& p, const RingData& ring, Symbolizer& symbolizer,
              const BuildOptions& options = {});

// One-line summaries of the agent's counters worth telling a user (drops, lost signal, failures).
std::vector<std::string> ring_warnings(const RingData& ring);

}  // namespace lambdascope::symbolize
