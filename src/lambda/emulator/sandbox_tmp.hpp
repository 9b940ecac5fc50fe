// What Lambda throws away with an execution environment, a local sandbox must remove itself: on Lambda each
// environment has its own /tmp, here every sandbox shares the host's. When a sandbox ends, the files its
// processes named after their pid (the agent's rings, a JIT runtime's perf map) are removed once those
// processes are gone; a process killed at the SHUTDOWN deadline (or by a crash) could not remove its own.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>

namespace lambdascope::lambda {

// Removes `tmp`/perf-PID.map, lambdascope-PID-N.ring files (in `tmp`, or up to two folders below it) and
// readers' .reader-PID files (in those folders) of every pid in `pids` that is no longer running, then the
// ring folders this left empty. Returns how many files were removed.
size_t remove_tmp_files_of(const std::set<pid_t>& pids, const std::string& tmp = "/tmp");

}  // namespace lambdascope::lambda
