// A growable array in anonymous memory obtained with raw mmap: the agent keeps its tables out of the
// program's heap (no malloc of the host's allocator, no fragmentation, nothing for heap profilers to see).
// Normal context only; readers in the signal handler see only arrays that were published after they were
// complete.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

#include "agent/syscalls.hpp"

namespace lambdascope::agent {

inline void* map_anonymous(size_t bytes) {
  return sys::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
inline size_t page_round(size_t bytes) {
  return (bytes + 4095) & ~size_t{4095};
}

template <typename T>
class MmapBuffer {
 public:
  MmapBuffer() = default;
  MmapBuffer(const MmapBuffer&) = delete;
  MmapBuffer& operator=(const MmapBuffer&) = delete;
  ~MmapBuffer() { reset(); }

  bool push(const T& value) {
    if (size_ == capacity_ && !grow()) return false;
    data_[size_++] = value;
    return true;
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  size_t bytes() const { return page_round(capacity_ * sizeof(T)); }

  // Hands the memory over (for publication); the caller frees it with release(p, bytes).
  T* take(size_t* bytes_out) {
    T* p = data_;
    *bytes_out = bytes();
    data_ = nullptr;
    size_ = capacity_ = 0;
    return p;
  }
  static void release(void* p, size_t bytes) {
    if (p != nullptr) sys::munmap(p, bytes);
  }
  void reset() {
    release(data_, bytes());
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  bool grow() {
    size_t cap = capacity_ == 0 ? 4096 / sizeof(T) : capacity_ * 2;
    auto* p = static_cast<T*>(map_anonymous(page_round(cap * sizeof(T))));
    if (p == nullptr) return false;
    for (size_t i = 0; i < size_; ++i) p[i] = data_[i];
    release(data_, bytes());
    data_ = p;
    capacity_ = page_round(cap * sizeof(T)) / sizeof(T);
    return true;
  }
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace lambdascope::agent
