// A frame's kind from the name of the module (pprof mapping) it is in, by the rules perf tools use:
// stackcollapse-perf.pl and inferno for the kernel, perf-map-agent / jitdump conventions for JIT code. pprof
// has no frame kinds, so this is how kernel and JIT frames get their kind back when a profile is read.
#pragma once

#include <string_view>

#include "profile/frame.hpp"

namespace lambdascope::formats::pprof {

// `[kernel.kallsyms]`, `[nf_conntrack]` (any `[...]` but `[unknown]`; `[waiting]` is checked first),
// `vmlinux`, `vmlinux-6.1.0`, `x.ko`.
inline bool is_kernel_module(std::string_view m) {
  if (m.empty()) return false;
  if (m.front() == '[') return !m.starts_with("[unknown]");
  if (m.ends_with(".ko")) return true;
  size_t v = m.rfind("vmlinux");
  if (v == std::string_view::npos || (v > 0 && m[v - 1] != '/')) return false;
  for (char c : m.substr(v + 7)) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
              c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// `/tmp/perf-1234.map` (perf map files of JITs: node --perf-basic-prof, perf-map-agent) and
// `.../jitted-1234-5.so` (perf inject --jit).
inline bool is_jit_module(std::string_view m) {
  if (m.starts_with("/tmp/perf-") && m.ends_with(".map")) {
    std::string_view pid = m.substr(10, m.size() - 14);
    if (pid.empty()) return false;
    for (char c : pid)
      if (c < '0' || c > '9') return false;
    return true;
  }
  return m.find("/jitted-") != std::string_view::npos && m.ends_with(".so");
}

// The module of the synthetic frames that say what a thread was waiting for (capture/waiting_state.hpp).
inline constexpr std::string_view kWaitingModule = "[waiting]";

inline profile::FrameKind kind_of_module(std::string_view m) {
  if (m == kWaitingModule) return profile::FrameKind::kWaiting;
  if (is_kernel_module(m)) return profile::FrameKind::kKernel;
  if (is_jit_module(m)) return profile::FrameKind::kJit;
  return profile::FrameKind::kNative;
}

}  // namespace lambdascope::formats::pprof
