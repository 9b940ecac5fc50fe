#include "profile/frame_address.hpp"

#include <cinttypes>
#include <cstdio>

namespace lambdascope::profile {

std::string unsymbolized_name(uint64_t address, std::string_view path, uint64_t start, uint64_t limit,
                              uint64_t file_offset) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, address);
  std::string out = buf;
  if (path.empty() || path[0] == '[' || address < start || address >= limit) return out;
  size_t slash = path.rfind('/');
  std::snprintf(buf, sizeof buf, "+0x%" PRIx64 ")", address - start + file_offset);
  out += " (";
  out += slash == std::string_view::npos ? path : path.substr(slash + 1);
  out += buf;
  return out;
}

MappingId AddressTable::add_mapping(const Mapping& m) {
  auto [it, inserted] = index_.try_emplace({m.path, m.start, m.limit, m.file_offset, m.build_id},
                                           static_cast<MappingId>(mappings_.size() + 1));
  if (inserted) mappings_.push_back(m);
  return it->second;
}

}  // namespace lambdascope::profile
