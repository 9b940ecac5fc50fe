// Flame graph geometry, as flamegraph.pl lays it out: one rectangle per distinct path prefix, x and width in
// value units (samples, nanoseconds, ...), children ordered by name the way sorted folded lines order them
// (so the picture matches `stackcollapse | flamegraph.pl`), a frame's own weight to the left of its children.
// Also the stack-reversed graph (--reverse), flame charts (time order, only adjacent samples merge) and
// differential layouts (two value columns: width from one, color from the change of self weight).
// Computes geometry only; svg_writer draws it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::render {

struct FlameLayoutOptions {
  size_t value_index = 0;
  // Differential: each frame's delta is its self weight in value_index minus that in base_index.
  std::optional<size_t> base_index;
  bool thread_root =
      true;              // a first level per thread name (comm) when samples have one, as stackcollapse does
  bool reverse = false;  // paths leaf first (flamegraph.pl --reverse; the thread name ends up last)
  bool flamechart =
      false;  // samples in time order (input order when some have no time); merge only neighbours
  bool exclude_idle = false;  // leave out idle samples (profile/idle.hpp)
  double min_width = 0;       // frames narrower than this, in value units, are left out with their children
};

enum class FlameNodeType : uint8_t { kRoot, kThread, kFrame };

struct FlameRect {
  profile::StringId name = 0;  // in the profile's string table; 0 for the root
  profile::FrameKind kind = profile::FrameKind::kNative;
  FlameNodeType type = FlameNodeType::kFrame;
  uint32_t depth = 0;  // the root is 0
  double x = 0, w = 0;
  double delta = 0;  // differential only: self weight minus self base weight
};

struct FlameLayout {
  std::vector<FlameRect> rects;  // rects[0] is the root ("all"); parents come before their children
  double total = 0;
  uint32_t max_depth = 0;
  bool differential = false;
  double max_abs_delta = 0;  // over all frames, including those left out as too narrow
};

// Throws std::invalid_argument when a value index does not exist.
FlameLayout layout_flame_graph(const profile::Profile& p, const FlameLayoutOptions& options);

// The name flamegraph.pl sorts and colors by: the frame name with stackcollapse's annotation (_[k] kernel,
// _[j] JIT, _[i] inlined) unless the name already carries it.
std::string annotated_name(std::string_view name, profile::FrameKind kind);

}  // namespace lambdascope::render
