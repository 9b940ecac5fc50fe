// A frame is a symbolic location: function name, module (DSO or script), source file and line, and its kind.
// Frames are interned, so a stack is a path of small ids. Addresses are not part of a frame: two samples at
// different PCs of one function share the frame, which is what aggregation and flame graphs want. (A frame
// nothing named keeps its address beside the frame table: frame_address.hpp.)
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "profile/hash.hpp"
#include "profile/string_table.hpp"

namespace lambdascope::profile {

using FrameId = uint32_t;

// kWaiting is a synthetic leaf that says what a thread that did not run was waiting for ("[waiting: I/O]").
enum class FrameKind : uint8_t { kNative = 0, kKernel, kJit, kInterpreted, kInlined, kWaiting };

// "native", "kernel", "jit", "interpreted", "inlined", "waiting"
std::string_view frame_kind_name(FrameKind kind);
bool parse_frame_kind(std::string_view name, FrameKind* out);

struct Frame {
  StringId name = 0;
  StringId module = 0;  // DSO, binary or script URL; 0 when unknown
  StringId file = 0;    // source file; 0 when unknown
  uint32_t line = 0;    // 1-based; 0 when unknown
  FrameKind kind = FrameKind::kNative;

  bool operator==(const Frame&) const = default;
};

class FrameTable {
 public:
  static constexpr FrameId kAbsent = IdIndex::kAbsent;

  FrameId intern(const Frame& f) {
    auto next = static_cast<FrameId>(frames_.size());
    bool inserted = false;
    FrameId id = index_.find_or_insert(
        hash(f), [&](uint32_t i) { return frames_[i] == f; }, next, &inserted);
    if (inserted) frames_.push_back(f);
    return id;
  }
  FrameId find(const Frame& f) const {
    return index_.find(hash(f), [&](uint32_t i) { return frames_[i] == f; });
  }

  const Frame& operator[](FrameId id) const { return frames_[id]; }
  size_t size() const { return frames_.size(); }

 private:
  static uint64_t hash(const Frame& f) {
    uint64_t a = (uint64_t{f.name} << 32) | f.module;
    uint64_t b = (uint64_t{f.file} << 32) | (uint64_t{f.line} << 3) | static_cast<uint64_t>(f.kind);
    return hash_combine(mix64(a), b);
  }
  std::vector<Frame> frames_;
  IdIndex index_;
};

}  // namespace lambdascope::profile
