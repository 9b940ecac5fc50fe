// The writing side of the sample ring (ring_format.hpp): lock-free reservation by CAS, publication by a
// release store of the record header. Safe in signal handlers and from any thread; never blocks, never
// allocates. When the ring is full the record is dropped and counted.
#pragma once

#include <linux/futex.h>

#include <cstdint>

#include "agent/ring_format.hpp"
#include "agent/syscalls.hpp"

namespace lambdascope::agent {

class RingWriter {
 public:
  // Adopts a mapped ring (header + data). `data_size` must be a power of two.
  void attach(ring::Header* header) {
    header_ = header;
    data_ = reinterpret_cast<uint8_t*>(header) + header->header_size;
    mask_ = header->data_size - 1;
  }
  bool attached() const { return header_ != nullptr; }
  ring::Header* header() const { return header_; }

  // Space for a record of `size` bytes (a multiple of 8, at most a quarter of the ring), or nullptr when the
  // ring is full. The caller fills everything after the RecordHeader, then calls publish().
  uint8_t* reserve(uint32_t size) {
    if (header_ == nullptr || size > (mask_ + 1) / 4) return nullptr;
    uint64_t w = __atomic_load_n(&header_->write_pos, __ATOMIC_RELAXED);
    uint64_t pad;
    for (;;) {
      uint64_t r = __atomic_load_n(&header_->read_pos, __ATOMIC_ACQUIRE);
      uint64_t tail = (mask_ + 1) - (w & mask_);
      pad = size > tail ? tail : 0;
      if (w + pad + size - r > mask_ + 1) return nullptr;
      // Until the whole ring is allocated, positions have not wrapped and must stay below `allocated`.
      uint64_t allocated = __atomic_load_n(&header_->allocated, __ATOMIC_ACQUIRE);
      if (allocated <= mask_ && w + pad + size > allocated) return nullptr;
      if (__atomic_compare_exchange_n(&header_->write_pos, &w, w + pad + size, true, __ATOMIC_ACQ_REL,
                                      __ATOMIC_RELAXED)) {
        // Half of the room allocated so far is used: the agent's control thread allocates more (it does not
        // poll for this, an idle process would pay for it). A futex wake is a plain system call.
        if (allocated <= mask_ && w <= allocated / 2 && w + pad + size > allocated / 2)
          sys::futex(&header_->control, FUTEX_WAKE, 0x7fffffff, nullptr);
        break;
      }
    }
    if (pad != 0) publish(data_ + (w & mask_), ring::RecordType::kPad, static_cast<uint32_t>(pad), 0);
    return data_ + ((w + pad) & mask_);
  }

  // Makes a reserved record visible to the reader.
  static void publish(uint8_t* record, ring::RecordType type, uint32_t size, uint16_t flags) {
    ring::RecordHeader h{size, static_cast<uint16_t>(type), flags};
    uint64_t word;
    __builtin_memcpy(&word, &h, sizeof word);
    __atomic_store_n(reinterpret_cast<uint64_t*>(record), word, __ATOMIC_RELEASE);
  }

  void count(ring::Counter c, uint64_t n = 1) const {
    if (header_ != nullptr) __atomic_fetch_add(&header_->counters[c], n, __ATOMIC_RELAXED);
  }
  void set_counter(ring::Counter c, uint64_t v) const {
    if (header_ != nullptr) __atomic_store_n(&header_->counters[c], v, __ATOMIC_RELAXED);
  }

 private:
  ring::Header* header_ = nullptr;
  uint8_t* data_ = nullptr;
  uint64_t mask_ = 0;
};

}  // namespace lambdascope::agent
