// The Java side of agent rings (agent/ring_format.hpp, kSampleJava and JavaMethodRecord): decoding the Java
// frames of samples and the method records, and naming those frames the way Java users read them
// (`com.example.Handler.handleRequest`, source file and line). A sample's Java frames travel in RingData::pcs
// after its native PCs, behind kJavaMarker (a word no user-space PC can be), so every piece of code that
// copies a sample's PCs carries them along. Never trusts the ring: bad records are rejected, not guessed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/ring_format.hpp"
#include "profile/profile.hpp"

namespace lambdascope::capture {

inline constexpr uint64_t kJavaMarker = ~uint64_t{1};
// The module of Java frames in profiles.
inline constexpr std::string_view kJavaModule = "java";

struct RawJavaMethod {
  uint64_t id = 0;
  std::string class_name;                            // com.example.Handler
  std::string name;                                  // handleRequest
  std::string file;                                  // Handler.java ("" when unknown)
  std::vector<std::pair<uint32_t, uint32_t>> lines;  // (start bci, line)
};

// A JavaCodeRecord: compiled code of a method appeared (with the methods inlined into it) or went away.
struct RawJavaCode {
  uint64_t time_ns = 0;
  uint64_t method_id = 0;
  uint64_t code_addr = 0;
  bool unloaded = false;
  std::vector<uint64_t> inlined;
};

// Decodes a JavaMethodRecord of `size` bytes; false when it is malformed.
bool parse_java_method(const uint8_t* record, uint32_t size, RawJavaMethod* out);

// Decodes a JavaCodeRecord of `size` bytes with its record header's `flags`; false when it is malformed.
bool parse_java_code(const uint8_t* record, uint32_t size, uint16_t flags, RawJavaCode* out);

// Frame kinds, which AsyncGetCallTrace does not give: from the root down, a frame whose method had live
// compiled code at the sample's time is `jit`, a frame below a compiled one whose method that code inlined
// is `inlined`, any other `interpreted`. (A method with compiled code may still have an older interpreted
// activation; that frame is called `jit`.)
class JavaCodeIndex {
 public:
  explicit JavaCodeIndex(const std::vector<RawJavaCode>& code);
  // `words`: a sample's Java frames as in RingData::pcs after kJavaMarker; `out` gets one kind per frame.
  void kinds(uint64_t time_ns, const uint64_t* words, uint32_t frames,
             std::vector<profile::FrameKind>& out) const;

 private:
  struct Code {
    uint64_t addr, loaded, unloaded;
    std::vector<uint64_t> inlined;  // sorted
  };
  std::unordered_map<uint64_t, std::vector<Code>> by_method_;
};

// Appends kJavaMarker and `count` Java frames (two words each, the ring's layout) to `pcs`.
void append_java_frames(const uint8_t* words, uint32_t count, std::vector<uint64_t>& pcs);

// Java frames to profile frames, memoized per (method, bci).
class JavaFrameNamer {
 public:
  explicit JavaFrameNamer(const std::vector<RawJavaMethod>& methods);
  // The frame of `method_id` at AsyncGetCallTrace's `lineno` (a bci, or negative).
  profile::FrameId frame(profile::Profile& p, uint64_t method_id, int32_t lineno,
                         profile::FrameKind kind = profile::FrameKind::kJit);

 private:
  std::unordered_map<uint64_t, const RawJavaMethod*> methods_;
  std::unordered_map<uint64_t, std::unordered_map<int64_t, profile::FrameId>> memo_;
};

// The profile comments for a ring's Java counters (none for a process without a JVM): samples with Java
// frames, methods named, and AsyncGetCallTrace's failures by reason, named as HotSpot and async-profiler do.
std::vector<std::string> java_counter_lines(
    const std::array<uint64_t, agent::ring::kJavaCounterCount>& counters);

// The line of `bci` from a method's line table (0 when unknown).
uint32_t java_line_of(const RawJavaMethod& m, int32_t bci);

}  // namespace lambdascope::capture
