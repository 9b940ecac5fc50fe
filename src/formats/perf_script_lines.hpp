// The lines of `perf script` text, one function per kind: the event line that starts a record ("comm pid/tid
// [cpu] secs.frac: period event: ..."), the frame lines of its callchain ("addr sym+off (dso)"), the source
// lines `-F +srcline` adds after a frame, and the "# key : value" header. Pure functions on one line (without
// its "\n"), no allocation, so the parser's hot loop and the tests share them.
#pragma once

#include <cstdint>
#include <string_view>

#include "profile/metadata.hpp"

namespace lambdascope::formats::perf_script {

struct EventLine {
  std::string_view comm;  // may contain spaces and digits ("V8 WorkerThread", "kworker/0:1")
  int32_t pid = -1;       // -1 when perf printed the thread id only
  int32_t tid = -1;
  int32_t cpu = -1;
  int64_t time_ns = profile::kNoTime;  // parsed from the decimal seconds exactly, no floating point
  bool has_period = false;
  uint64_t period = 0;
  std::string_view event;  // with modifiers, without the trailing ':' ("cycles:uppp", "sched:sched_switch")
  std::string_view trailing;  // after the event: a tracepoint payload, or the only frame of a record without
                              // a callchain ("7fa68b1f2d84 _dl_start+0x4 (/usr/lib/ld-2.31.so)")
};

// True when `line` is an event line. The thread id is the first all-digit token after the comm (digits or
// "pid/tid"), as stackcollapse-perf.pl reads it, except that when the line has a timestamp the token right
// before it (and before "[cpu]") wins, so comms with numeric words ("Worker 2") parse too.
bool parse_event_line(std::string_view line, EventLine* out);

struct FrameLine {
  std::string_view address;  // hex; empty when perf printed no ip
  std::string_view
      symbol;  // as printed, with "+0x.." offset and "->" inline chains; " " when perf printed none
  std::string_view module;  // the DSO inside the final parentheses, which may itself contain "(deleted)"
};

// True when `line` is a callchain frame: optional indentation, a hex address, the symbol, then " (dso)" at
// the end. With `allow_no_address`, a line whose first token is not hex is read as symbol and DSO only (perf
// script -F without ip).
bool parse_frame_line(std::string_view line, FrameLine* out, bool allow_no_address = false);

// `perf script -F +srcline` prints the source position on the line after a frame: "  file.c:137",
// "  libc.so.6[27b25]" or "  [kernel.kallsyms][ffffffff814f9302]". True for such a line; `file` and `line_no`
// are set when it names a file and line (line_no 0 otherwise).
bool parse_srcline(std::string_view line, std::string_view* file, uint32_t* line_no);

// "12184.494971" (or with 9 fraction digits, perf --ns) to integer nanoseconds; more than 9 fraction digits
// are truncated. False when not of that form or out of range.
bool parse_seconds_ns(std::string_view text, int64_t* ns);

// A "# key : value" header line (also "# captured on: ..."). False for other comment lines.
bool parse_header_line(std::string_view line, std::string_view* key, std::string_view* value);

// ' ', '\t', '\r', '\v', '\f' (Perl's \s without the newline). A bit test, as it runs on every byte.
inline bool is_space(char c) {
  constexpr uint64_t kSpaces =
      (1ULL << ' ') | (1ULL << '\t') | (1ULL << '\r') | (1ULL << '\v') | (1ULL << '\f');
  auto u = static_cast<unsigned char>(c);
  return u < 64 && ((kSpaces >> u) & 1);
}
inline std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}
inline std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}
inline std::string_view trim(std::string_view s) {
  return trim_left(trim_right(s));
}

}  // namespace lambdascope::formats::perf_script
