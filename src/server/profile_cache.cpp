#include "server/profile_cache.hpp"

namespace lambdascope::server {

size_t approximate_bytes(const profile::Profile& p) {
  const auto& s = p.samples;
  size_t bytes = sizeof(profile::Profile) + s.stack.capacity() * sizeof(s.stack[0]) +
                 s.values.capacity() * sizeof(double) + s.time_ns.capacity() * sizeof(int64_t) +
                 (s.pid.capacity() + s.tid.capacity() + s.cpu.capacity()) * sizeof(int32_t) +
                 s.thread_name.capacity() * sizeof(s.thread_name[0]) +
                 s.labels.capacity() * sizeof(s.labels[0]);
  // Strings, frames and stack nodes: each interned once, with its hash-table entry.
  bytes += p.strings.bytes() + p.strings.size() * 48;
  bytes += p.frames.size() * 64 + p.stacks.size() * 48;
  return bytes;
}

std::shared_ptr<const profile::Profile> ProfileCache::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(id);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->profile;
}

void ProfileCache::insert(const std::string& id, std::shared_ptr<const profile::Profile> parsed) {
  size_t size = approximate_bytes(*parsed);
  if (size > budget_) return;
  std::lock_guard lock(mutex_);
  if (index_.count(id)) return;
  order_.push_front({id, std::move(parsed), size});
  index_[id] = order_.begin();
  bytes_ += size;
  while (bytes_ > budget_) {
    bytes_ -= order_.back().bytes;
    index_.erase(order_.back().id);
    order_.pop_back();
  }
}

size_t ProfileCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}
size_t ProfileCache::entries() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}
int64_t ProfileCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}
int64_t ProfileCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace lambdascope::server
