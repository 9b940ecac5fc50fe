// Turning a perf callchain frame into the names stackcollapse-perf.pl prints, and telling kernel, JIT and
// inlined frames apart by their DSO. The rules are the Perl script's (FlameGraph 2024-10), with the few
// places where inferno is more exact and no expected output of the Perl script disagrees (see tidy_frame).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "formats/perf_script_lines.hpp"
#include "profile/frame.hpp"

namespace lambdascope::formats::perf_script {

// kernel: "[...]" except names containing "unknown" ([kernel.kallsyms], [vdso], [nf_conntrack]), "*.ko",
//         "*vmlinux" and "vmlinux-<version>";
// jit:    "/tmp/perf-<pid>.map" (perf map files), "*/jitted-*.so" (jitdump), "[JIT] tid <n>";
// inlined: perf's own "(inlined)" frames (perf script with inline expansion);
// native: everything else.
profile::FrameKind classify_module(std::string_view module);

struct TidiedFrame {
  std::string name;
  profile::FrameKind kind = profile::FrameKind::kNative;
};

// The frames one callchain line stands for, outermost first, appended to `out`; returns how many (0 when the
// Perl script drops the frame: a symbol starting with '('). The steps, in the Perl script's order:
// - a trailing "+0x<hex>" offset is cut;
// - "a->b->c" (perf-map-agent inlining) gives a, then b and c as inlined frames named "b_[i]" and "c_[i]"
//   (the suffix is part of the name, as both reference collapsers print it whatever the options);
// - "[unknown]" becomes "[<dso basename>]" ("[unknown]" when the DSO is unknown too), or with `addrs`
//   "[<dso basename> <address>]";
// - ';' becomes ':', quotes are removed, the argument list is cut at the first top-level '(' (kept:
//   Go's "pkg.(*T).M", "(anonymous namespace)", parentheses inside <...>, {...} and [...], as inferno does,
//   so "std::function<int (int)>::operator()" keeps its template);
// - for a comm starting with "java", a leading 'L' of class names with '/' is dropped.
struct TidyOptions {
  bool java = false;
  bool addrs = false;
};
size_t tidy_frame(const FrameLine& frame, const TidyOptions& options, std::vector<TidiedFrame>* out);

// One symbol part through the generic and Java rules (exposed for tests).
std::string tidy_function_name(std::string_view name, bool java);

// The symbol without a trailing "+0x<hex>" offset.
std::string_view strip_offset(std::string_view symbol);

// "cycles:uppp" -> "cycles", "cpu-clock:uhH" -> "cpu-clock"; tracepoints keep their name
// ("sched:sched_switch").
std::string_view event_base_name(std::string_view event);
// cpu-clock and task-clock count nanoseconds of CPU time in their period.
bool is_cpu_time_event(std::string_view base_name);

}  // namespace lambdascope::formats::perf_script
