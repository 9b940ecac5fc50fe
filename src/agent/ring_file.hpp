// Creates the ring file of this process image: <dir>/lambdascope-<pid>-<n>.ring, where n is the first
// number not taken (an exec'd program keeps its pid and gets the next n). Space is reserved with fallocate as
// the ring fills, so a full /tmp shows as a refused extension (counted drops), never as SIGBUS in a handler.
// Normal context; formats paths by hand so it is also fine in a forked child.
#pragma once

#include <cstddef>
#include <cstdint>

#include "agent/config.hpp"
#include "agent/ring_format.hpp"

namespace lambdascope::agent {

// Maps a new ring and fills its header (state kStarting), with the first kInitialAllocation bytes of data
// allocated. `*fd` stays open for extend_ring. Returns nullptr and a reason on failure.
ring::Header* create_ring(const Config& config, int pid, int signal, uint64_t period_ns, char* path,
                          size_t path_size, int* fd, const char** error);

inline constexpr uint64_t kInitialAllocation = 256 << 10;

// At exit: removes this process's ring files (this image's and those of images it exec'd from) when no
// reader is attached to `header` (Header::reader_pid) and none has announced itself in `dir`
// (ring::kReaderMarkerPrefix): nobody would ever consume or remove them.
void release_ring_at_exit(const ring::Header* header, const char* dir, int self_pid);

// At start: removes the rings in `dir` of processes that are gone, on the same terms (a reader alive
// attached or announced keeps them). Rings of processes killed before their exit handlers ran end here.
void remove_dead_rings(const char* dir, int self_pid);

// Allocates more of the data region when the writers are within half of the allocated room of its end
// (doubling, up to the whole ring). Normal context. Returns false when the file system refused.
bool extend_ring(ring::Header* header, int fd);

}  // namespace lambdascope::agent
