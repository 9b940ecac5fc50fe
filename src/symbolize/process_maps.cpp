#include "symbolize/process_maps.hpp"

namespace lambdascope::symbolize {

void ProcessMaps::add(MappingSpan span) {
  spans_.push_back(std::move(span));
}

void ProcessMaps::remove(const MappingSpan& m, uint64_t time_ns) {
  for (auto it = spans_.rbegin(); it != spans_.rend(); ++it) {
    if (it->start == m.start && it->end == m.end && it->offset == m.offset && it->inode == m.inode &&
        it->removed_ns == std::numeric_limits<uint64_t>::max()) {
      it->removed_ns = time_ns;
      return;
    }
  }
}

const MappingSpan* ProcessMaps::find(uint64_t pc, uint64_t time_ns) const {
  const MappingSpan* best = nullptr;
  uint64_t best_distance = std::numeric_limits<uint64_t>::max();
  for (const MappingSpan& s : spans_) {
    if (pc < s.start || pc >= s.end) continue;
    uint64_t distance = 0;
    if (time_ns < s.added_ns)
      distance = s.added_ns - time_ns;  // loaded, then recorded a little later
    else if (time_ns >= s.removed_ns)
      distance = time_ns - s.removed_ns + 1;
    if (distance < best_distance) {
      best = &s;
      best_distance = distance;
      if (distance == 0) break;
    }
  }
  return best;
}

}  // namespace lambdascope::symbolize
