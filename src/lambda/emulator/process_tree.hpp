// The processes of the sandbox as Linux sees them: a root process and everything it started, found through
// /proc/<pid>/task/<tid>/children. Used to freeze the sandbox and to measure its memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace lambdascope::lambda {

// `roots` and all their live descendants (each pid once, roots first).
std::vector<pid_t> process_tree(const std::vector<pid_t>& roots);

// The one-letter state from /proc/<pid>/stat ('R', 'S', 'T' = stopped, 'Z', ...), or nullopt when gone.
std::optional<char> process_state(pid_t pid);

// VmHWM (peak resident set size) in KiB from /proc/<pid>/status, or 0 when the process is gone or a zombie.
uint64_t peak_rss_kb(pid_t pid);

}  // namespace lambdascope::lambda
