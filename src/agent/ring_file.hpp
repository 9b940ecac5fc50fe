// Creates the ring file of this process image: <dir>/lambdascope-<pid>-<n>.ring, where n is the first
// number not taken (an exec'd program keeps its pid and gets the next n). The file is preallocated with
// fallocate, so a full /tmp fails here, at start, instead of raising SIGBUS in the handler later.
// Normal context; formats paths by hand so it is also fine in a forked child.
#pragma once

#include <cstddef>
#include <cstdint>

#include "agent/config.hpp"
#include "agent/ring_format.hpp"

namespace lambdascope::agent {

// Maps a new ring and fills its header (state kStarting). Returns nullptr and a reason on failure.
ring::Header* create_ring(const Config& config, int pid, int signal, uint64_t period_ns, char* path,
                          size_t path_size, const char** error);

}  // namespace lambdascope::agent
