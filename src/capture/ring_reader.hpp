// The reading side of the agent's sample ring (agent/ring_format.hpp): maps a ring file another process is
// writing, consumes the records published so far (and frees their space for the writer), and sends control
// requests (start, pause, stop) through the header. One reader per ring. Never trusts the file: a record
// that fails validation stops consumption and is counted as corruption.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/ring_format.hpp"
#include "capture/java_frames.hpp"

namespace lambdascope::capture {

struct RingInfo {
  std::string path;
  int32_t pid = 0;
  int32_t ppid = 0;
  agent::ring::Mode mode = agent::ring::Mode::kCpu;
  uint32_t hz = 0;
  int32_t signal = 0;
  uint32_t max_depth = 0;
  uint64_t anchor_monotonic_ns = 0;
  uint64_t anchor_realtime_ns = 0;
  uint64_t period_ns = 0;
  uint32_t sequence = 0;
  uint32_t version = agent::ring::kVersion;  // of the ring format; 2 and later carry CPU time in wall samples
  std::string exe;
  std::string cmdline;
};

struct RawSample {
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC
  int32_t tid = 0;
  uint32_t weight = 0;
  uint64_t cpu_ns = 0;  // wall mode: CPU time of the thread since its previous sample
  uint16_t flags = 0;
  bool idle = false;      // wall mode: repeat the thread's previous stack
  bool waiting = false;   // wall mode: the thread did not run since its previous sample (stays set when a
                          // reader gives an idle record its stack)
  bool runnable = false;  // waiting for a CPU (woken, not yet run), not for what its stack waits on
  uint32_t first_pc = 0;  // index into RingData::pcs
  uint32_t depth = 0;     // words in pcs, with the Java frames behind kJavaMarker (java_frames.hpp)
};

struct RawMapping {
  uint64_t time_ns = 0;
  bool add = true;
  uint64_t start = 0, end = 0, offset = 0, inode = 0;
  uint32_t dev_major = 0, dev_minor = 0, prot = 0;
  std::string build_id;  // raw bytes
  std::string path;
};

struct RawThreadName {
  uint64_t time_ns = 0;
  int32_t tid = 0;
  std::string name;
};

// Everything consumed from one ring, in order.
struct RingData {
  RingInfo info;
  std::vector<RawSample> samples;
  std::vector<uint64_t> pcs;
  std::vector<RawMapping> mappings;
  std::vector<RawThreadName> thread_names;
  std::vector<RawJavaMethod> java_methods;
  std::vector<RawJavaCode> java_code;
  std::array<uint64_t, agent::ring::kMaxCounters> counters{};
  std::array<uint64_t, agent::ring::kJavaCounterCount> java_counters{};
  agent::ring::State state = agent::ring::State::kStarting;
  std::string message;
  uint64_t corrupt_records = 0;
  uint64_t unfinished_bytes = 0;  // reserved by a writer that never published (it died or exec'd meanwhile)
};

class RingReader {
 public:
  // Maps `path`; returns nullptr and sets `error` when it is not a ring (yet: the writer may still be
  // filling the header; try again later).
  static std::unique_ptr<RingReader> open(const std::string& path, std::string* error);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  const RingInfo& info() const { return info_; }
  agent::ring::State state() const;
  // Wall mode: the time (CLOCK_MONOTONIC) up to which every wait is in the ring; 0 when not published.
  uint64_t waits_through_ns() const;
  uint64_t counter(agent::ring::Counter c) const;
  std::string message() const;

  // Consumes every published record into `out` (also refreshing its counters, state and message). Returns
  // the number of records consumed.
  size_t poll(RingData& out);
  // Bytes reserved but not yet published or consumed.
  uint64_t pending_bytes() const;

  // Asks the agent to start, pause or stop (it acts within microseconds: the control thread waits on the
  // word as a futex).
  void request(agent::ring::Command command);

 private:
  RingReader() = default;
  agent::ring::Header* header_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t map_size_ = 0;
  RingInfo info_;
  bool corrupt_ = false;
};

}  // namespace lambdascope::capture
