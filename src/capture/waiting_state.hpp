// What a thread that did not run since its previous wall sample was waiting for, read from the innermost
// frames of its stack: I/O (poll, epoll, select, read, recv, accept, ...), a lock (futex, condition
// variables, mutexes; V8's Atomics.wait ends in a futex) or sleep (nanosleep, clock_nanosleep). Shown as a
// synthetic leaf frame of kind `waiting` ("[waiting: I/O]"), so flame graphs mark waiting time. Names only:
// never looks at addresses, and an unknown wait stays unmarked rather than guessed.
#pragma once

#include <span>
#include <string_view>

namespace lambdascope::capture {

// kCpu: woken and runnable but not given a CPU (a function throttled to its CPU share); decided by the
// sampler from the thread's state, never from names.
enum class WaitingState { kUnknown, kIo, kLock, kSleep, kCpu };

// How many frames from the leaf are looked at: enough for libc wrappers, libuv and V8's wait layers.
inline constexpr size_t kWaitingFramesExamined = 12;

// Classifies by the first frame, from the leaf, whose function name is a known blocking call.
WaitingState classify_waiting(std::span<const std::string_view> leaf_first_names);

// "[waiting: I/O]", "[waiting: lock]", "[waiting: sleep]", "[waiting: CPU]"; "" for kUnknown.
std::string_view waiting_frame_name(WaitingState state);

}  // namespace lambdascope::capture
