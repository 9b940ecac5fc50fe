// The writers. Each returns the complete encoded output, so the CLI can write it atomically (OutputFile) and
// tests can compare bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "profile/profile.hpp"

namespace lambdascope::formats {

inline constexpr size_t kDefaultValue = SIZE_MAX;  // the profile's default sample type

struct FoldedWriteOptions {
  size_t value_index = kDefaultValue;
  bool thread_root =
      true;          // first frame = thread name (comm) when the profile has one, as stackcollapse does
  bool pid = false;  // root "comm-PID" (PID "?" when unknown)
  bool tid = false;  // root "comm-PID/TID"
  bool annotate_kernel = false;   // "_[k]" suffix on kernel frames
  bool annotate_jit = false;      // "_[j]" suffix on JIT frames
  bool annotate_inlined = false;  // "_[i]" suffix on inlined frames
};
// Sorted lines "frame;frame;... value\n", identical stacks summed; zero-weight stacks omitted.
std::string write_folded(const profile::Profile& p, const FoldedWriteOptions& options = {});
// Two-count lines "stack base new" of a profile made by profile::diff (difffolded.pl's output).
std::string write_folded_diff(const profile::Profile& diff, const FoldedWriteOptions& options = {});

struct PprofWriteOptions {
  bool gzip = true;
};
// profile.proto; per-sample time as numeric label "end_timestamp_ns", thread id as "thread id" and thread
// name as "thread name"; pid as "pid", cpu as "cpu". Readable by `go tool pprof`.
std::string write_pprof(const profile::Profile& p, const PprofWriteOptions& options = {});

struct SpeedscopeWriteOptions {
  std::string name;  // file name shown in speedscope
  size_t value_index = kDefaultValue;
};
// speedscope's file format: one profile per thread (evented when samples have times, else sampled).
std::string write_speedscope(const profile::Profile& p, const SpeedscopeWriteOptions& options = {});

}  // namespace lambdascope::formats
