// Makes one stored profile from a window and the ring samples cut for it: symbolized (with one Symbolizer
// for the extension's life, so each library is read once however many invocations it appears in), labelled
// on every sample (request_id, phase, cold_start, sandbox; window and status when they say something), with
// Lambda's numbers (duration, billed duration, memory) as comments, gzip'd pprof, and the object key of
// store/object_key.hpp. Invocation profiles leave out threads that did not run in the window (counted).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "capture/ring_reader.hpp"
#include "lambda/extension/window.hpp"
#include "store/sink.hpp"
#include "symbolize/symbolizer.hpp"

namespace lambdascope::profile {
class Profile;
}

namespace lambdascope::lambda::extension {

struct StoredProfile {
  std::string key;
  std::string body;  // gzip'd profile.proto
  store::ObjectMetadata metadata;
  size_t samples = 0;
  int64_t start_ms = 0;
  int64_t duration_ms = 0;
  size_t frames = 0;        // distinct frames
  size_t unsymbolized = 0;  // of them, left as addresses: symbolizing did not finish by the deadline
};

using SteadyTime = std::chrono::steady_clock::time_point;

class ProfileWriter {
 public:
  ProfileWriter(std::string function_name, std::string sandbox_id, std::string key_prefix = "");

  // `window.start_ns` must be resolved (not kFromRingStart). `comments` are added as they are. Addresses
  // not named by `symbolize_by` stay addresses (with mapping and build id), so the profile is still saved.
  StoredProfile write(const Window& window, const std::vector<capture::RingData>& slices,
                      const std::vector<std::string>& comments, SteadyTime symbolize_by = SteadyTime::max());

  // The profile before serialization (for tests).
  void build(profile::Profile& p, const Window& window, const std::vector<capture::RingData>& slices,
             const std::vector<std::string>& comments, SteadyTime symbolize_by = SteadyTime::max());

  int64_t duration_ms(const Window& window, const std::vector<capture::RingData>& slices) const;

  // Keep threads that did not run in an invocation (LAMBDASCOPE_IDLE_THREADS=keep); left out by default.
  void set_keep_idle_threads(bool keep) { keep_idle_threads_ = keep; }
  // Keep CPython's own C frames inside Python code (LAMBDASCOPE_PYTHON_FRAMES=all); collapsed by default.
  void set_python_interpreter_frames(bool keep) { python_interpreter_frames_ = keep; }

  // The sampling mode an empty window is labelled with before any ring was seen (LAMBDASCOPE_MODE as the
  // agent reads it): a wall-mode function's windows all have wall sample types, samples or not.
  void set_default_mode(agent::ring::Mode mode) { default_info_.mode = mode; }

  // Symbolizes the samples and keeps only what the Symbolizer caches (symbol indexes, perf maps, the
  // frames of each address), so that writing them later is lookups.
  void prepare(const std::vector<capture::RingData>& slices);

 private:
  std::string function_;
  std::string sandbox_;
  std::string prefix_;
  symbolize::Symbolizer symbolizer_;
  bool keep_idle_threads_ = false;
  capture::RingInfo default_info_;  // the last ring's, for windows without samples
  bool python_interpreter_frames_ = false;
};

}  // namespace lambdascope::lambda::extension
