// Fast non-cryptographic hashing and an open-addressing id index, shared by the interning tables.
// Interning sits on the hot path of every reader (one lookup per frame line), so it avoids node allocation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace lambdascope::profile {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

inline uint64_t hash_bytes(const void* data, size_t size, uint64_t seed = 0x9e3779b97f4a7c15ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ (size * 0xff51afd7ed558ccdULL);
  while (size >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ mix64(v)) * 0x9fb21c651e98df25ULL;
    p += 8;
    size -= 8;
  }
  uint64_t tail = 0;
  if (size > 0) std::memcpy(&tail, p, size);  // an empty string_view may have a null data()
  h = (h ^ mix64(tail ^ size)) * 0x9fb21c651e98df25ULL;
  return mix64(h);
}

inline uint64_t hash_string(std::string_view s) {
  return hash_bytes(s.data(), s.size());
}

inline uint64_t hash_combine(uint64_t h, uint64_t v) {
  return mix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6)));
}

// Maps a 64-bit hash plus an equality test to a dense uint32 id. Ids and keys are owned by the caller's
// table; the index keeps the full hash so it can grow without asking the owner (tables stay trivially
// copyable).
class IdIndex {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  // Returns the id whose key equals (by `eq(id)`), or inserts `new_id` and returns it.
  template <class Eq>
  uint32_t find_or_insert(uint64_t hash, Eq&& eq, uint32_t new_id, bool* inserted = nullptr) {
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id == kAbsent) {
        s = {hash, new_id};
        ++count_;
        if (inserted) *inserted = true;
        return new_id;
      }
      if (s.hash == hash && eq(s.id)) {
        if (inserted) *inserted = false;
        return s.id;
      }
    }
  }

  template <class Eq>
  uint32_t find(uint64_t hash, Eq&& eq) const {
    if (slots_.empty()) return kAbsent;
    size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id == kAbsent) return kAbsent;
      if (s.hash == hash && eq(s.id)) return s.id;
    }
  }

  void clear() {
    slots_.clear();
    count_ = 0;
  }
  size_t size() const { return count_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t id = kAbsent;
  };

  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id == kAbsent) continue;
      size_t i = s.hash & mask;
      while (slots_[i].id != kAbsent) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t count_ = 0;
};

}  // namespace lambdascope::profile
