// Interned strings: every name, module, file and label in a profile is stored once and referred to by id.
// Id 0 is always the empty string (as in pprof's string table). No I/O here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "profile/hash.hpp"

namespace lambdascope::profile {

using StringId = uint32_t;

class StringTable {
 public:
  static constexpr StringId kAbsent = IdIndex::kAbsent;

  StringTable() { intern(std::string_view{}); }

  StringId intern(std::string_view s) {
    uint64_t h = hash_string(s);
    auto next = static_cast<StringId>(spans_.size());
    bool inserted = false;
    StringId id = index_.find_or_insert(
        h, [&](uint32_t i) { return (*this)[i] == s; }, next, &inserted);
    if (inserted) {
      spans_.push_back({chars_.size(), static_cast<uint32_t>(s.size())});
      chars_.append(s);
    }
    return id;
  }

  // kAbsent when the string was never interned.
  StringId find(std::string_view s) const {
    return index_.find(hash_string(s), [&](uint32_t i) { return (*this)[i] == s; });
  }

  std::string_view operator[](StringId id) const {
    const Span& span = spans_[id];
    return {chars_.data() + span.offset, span.size};
  }
  size_t size() const { return spans_.size(); }
  size_t bytes() const { return chars_.size(); }

 private:
  struct Span {
    uint64_t offset;
    uint32_t size;
  };
  std::string chars_;
  std::vector<Span> spans_;
  IdIndex index_;
};

}  // namespace lambdascope::profile
