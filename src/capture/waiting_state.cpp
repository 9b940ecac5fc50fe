#include "capture/waiting_state.hpp"

#include <algorithm>
#include <array>

namespace lambdascope::capture {

namespace {

// "__GI___libc_read", "__read_nocancel", "epoll_wait@GLIBC_2.3.2", "__futex_abstimed_wait_common64" ->
// "read", "read", "epoll_wait", "futex_abstimed_wait_common": the name a libc wrapper stands for.
std::string_view base_name(std::string_view name) {
  if (size_t at = name.find('@'); at != std::string_view::npos) name = name.substr(0, at);
  for (;;) {
    size_t before = name.size();
    while (name.starts_with('_')) name.remove_prefix(1);
    for (std::string_view prefix : {"GI_", "libc_", "internal_"})
      if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
    if (name.size() == before) break;
  }
  for (std::string_view suffix : {"_nocancel", "_time64", "64"})
    if (name.ends_with(suffix)) name.remove_suffix(suffix.size());
  return name;
}

bool starts_with_any(std::string_view s, std::span<const std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return s.starts_with(p); });
}

bool equals_any(std::string_view s, std::span<const std::string_view> names) {
  return std::find(names.begin(), names.end(), s) != names.end();
}

WaitingState classify_one(std::string_view full) {
  std::string_view n = base_name(full);
  // Locks first: pthread_cond_wait must not count as `read` or `wait`-style I/O.
  constexpr std::array<std::string_view, 10> kLockPrefixes = {
      "futex",    "pthread_cond_", "pthread_mutex_", "pthread_rwlock_", "lll_lock",
      "sem_wait", "sem_timedwait", "sem_clockwait",  "do_futex_wait",   "new_sem_wait"};
  if (starts_with_any(n, kLockPrefixes) || full.find("futex") != std::string_view::npos)
    return WaitingState::kLock;
  constexpr std::array<std::string_view, 5> kSleep = {"nanosleep", "clock_nanosleep", "usleep", "sleep",
                                                      "thrd_sleep"};
  if (equals_any(n, kSleep)) return WaitingState::kSleep;
  constexpr std::array<std::string_view, 22> kIo = {
      "epoll_wait", "epoll_pwait",    "epoll_pwait2", "poll",       "ppoll",  "select",
      "pselect",    "pselect6",       "read",         "readv",      "pread",  "preadv",
      "recv",       "recvfrom",       "recvmsg",      "recvmmsg",   "accept", "accept4",
      "connect",    "io_uring_enter", "io_getevents", "uv__io_poll"};
  if (equals_any(n, kIo)) return WaitingState::kIo;
  return WaitingState::kUnknown;
}

}  // namespace

WaitingState classify_waiting(std::span<const std::string_view> leaf_first_names) {
  size_t n = std::min(leaf_first_names.size(), kWaitingFramesExamined);
  for (size_t i = 0; i < n; ++i)
    if (WaitingState s = classify_one(leaf_first_names[i]); s != WaitingState::kUnknown) return s;
  return WaitingState::kUnknown;
}

std::string_view waiting_frame_name(WaitingState state) {
  switch (state) {
    case WaitingState::kIo:
      return "[waiting: I/O]";
    case WaitingState::kLock:
      return "[waiting: lock]";
    case WaitingState::kSleep:
      return "[waiting: sleep]";
    case WaitingState::kCpu:
      return "[waiting: CPU]";
    case WaitingState::kUnknown:
      break;
  }
  return {};
}

}  // namespace lambdascope::capture
