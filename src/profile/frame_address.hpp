// Where an unsymbolized frame is: the address that was sampled and the mapping it fell in (file, load
// range, file offset, build id), so a writer that can carry addresses (pprof) keeps them for a symbolizer
// that comes later. Symbolized frames have none: for them addresses are not part of a frame (frame.hpp).
// An unsymbolized frame is still an ordinary frame with a name (unsymbolized_name), so every view and
// writer that only knows names shows it as it is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "profile/string_table.hpp"

namespace lambdascope::profile {

using MappingId = uint32_t;  // 1-based; 0 = no mapping known

struct Mapping {
  StringId path = 0;
  uint64_t start = 0;  // first address of the range
  uint64_t limit = 0;  // one past its last address
  uint64_t file_offset = 0;
  StringId build_id = 0;  // lower-case hex; 0 when the file has none

  bool operator==(const Mapping&) const = default;
};

struct FrameAddress {
  uint64_t address = 0;  // as sampled: the interrupted PC, or a return address for callers
  MappingId mapping = 0;
};

// "0x7f12a0001234 (libfoo.so+0x1234)": the address, then the file's base name and the offset in the file
// when the address lies in a mapping of a file; just "0x7f12a0001234" otherwise. Stable: tools and
// tests match it.
std::string unsymbolized_name(uint64_t address, std::string_view path, uint64_t start, uint64_t limit,
                              uint64_t file_offset);

class AddressTable {
 public:
  MappingId add_mapping(const Mapping& m);
  const Mapping& mapping(MappingId id) const { return mappings_[id - 1]; }
  size_t num_mappings() const { return mappings_.size(); }

  void set(uint32_t frame, FrameAddress a) { by_frame_[frame] = a; }
  const FrameAddress* find(uint32_t frame) const {
    auto it = by_frame_.find(frame);
    return it == by_frame_.end() ? nullptr : &it->second;
  }
  // The number of unsymbolized frames.
  size_t size() const { return by_frame_.size(); }

 private:
  std::vector<Mapping> mappings_;
  std::map<std::tuple<StringId, uint64_t, uint64_t, uint64_t, StringId>, MappingId> index_;
  std::unordered_map<uint32_t, FrameAddress> by_frame_;
};

}  // namespace lambdascope::profile
