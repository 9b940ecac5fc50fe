// The executable mappings of one process image over time, rebuilt from add/remove events (capture/ feeds the
// agent's mapping records in), so a
// PC is resolved against what was mapped when it was sampled (a library unloaded later, or another loaded at
// the same address, still resolves right).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace lambdascope::symbolize {

struct MappingSpan {
  uint64_t start = 0, end = 0, offset = 0, inode = 0;
  std::string path;
  std::string build_id;  // raw bytes from the agent (read from the loaded object's notes)
  uint64_t added_ns = 0;
  uint64_t removed_ns = std::numeric_limits<uint64_t>::max();
  bool is_file() const { return inode != 0 && !path.empty() && path[0] == '/'; }
};

class ProcessMaps {
 public:
  // A mapping that appeared at `span.added_ns`.
  void add(MappingSpan span);
  // The mapping with the same range, offset and inode that is still mapped went away at `time_ns`.
  void remove(const MappingSpan& span, uint64_t time_ns);
  // The mapping that contained `pc` at `time_ns` (or, failing that, the one closest in time).
  const MappingSpan* find(uint64_t pc, uint64_t time_ns) const;
  size_t size() const { return spans_.size(); }
  size_t index_of(const MappingSpan* s) const { return static_cast<size_t>(s - spans_.data()); }

 private:
  std::vector<MappingSpan> spans_;
};

}  // namespace lambdascope::symbolize
