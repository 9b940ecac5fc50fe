// Parsed profiles kept between requests, least recently used first out, within a memory budget
// (`serve --cache-mb`). Sizes are estimates of the heap a profile holds (its columns and tables).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/stored_profiles.hpp"

namespace lambdascope::server {

// The heap bytes a profile holds, roughly (vector capacities and string bytes).
size_t approximate_bytes(const profile::Profile& p);

class ProfileCache : public store::ParsedProfileCache {
 public:
  explicit ProfileCache(size_t budget_bytes) : budget_(budget_bytes) {}
  std::shared_ptr<const profile::Profile> find(const std::string& id) override;
  // A profile larger than the whole budget is not kept.
  void insert(const std::string& id, std::shared_ptr<const profile::Profile> parsed) override;

  size_t bytes() const;
  size_t entries() const;
  int64_t hits() const;
  int64_t misses() const;

 private:
  struct Entry {
    std::string id;
    std::shared_ptr<const profile::Profile> profile;
    size_t bytes;
  };
  const size_t budget_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  int64_t hits_ = 0, misses_ = 0;
};

}  // namespace lambdascope::server
