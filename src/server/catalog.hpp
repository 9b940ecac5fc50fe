// What `serve` serves: its sources (directory stores, S3 prefixes, folders of profile files, single files)
// and a cached listing of them, refreshed incrementally so new invocations appear without a restart. Requests
// name objects by key or file name; only names in the listing resolve, so no request path is ever opened.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "store/store_reader.hpp"

namespace lambdascope::server {

// One stored invocation (or init) profile, from its key alone.
struct Invocation {
  size_t store = 0;  // index into Catalog::stores()
  store::StoredObject object;
};

// A profile file served in FlameScope mode; `name` is what requests use (relative to its folder).
struct ProfileFile {
  std::string name;
  std::string path;  // resolved, inside a served folder (or a SOURCE given as a file)
  int64_t bytes = 0;
  bool operator==(const ProfileFile&) const = default;
};

struct StoreSource {
  std::string source;  // as given: "s3://bucket/prefix" or a directory
  std::unique_ptr<store::StoreReader> reader;
  std::filesystem::path root;  // a directory store's real path; empty for S3
};

// A consistent view of the listing; shared, never changed once published.
struct Listing {
  std::vector<Invocation> invocations;                     // sorted by (function, start, key)
  std::map<std::string, std::vector<size_t>> by_function;  // indices into invocations
  std::map<std::string, size_t> by_key;  // "<key>" → index (keys are unique across stores)
  std::vector<ProfileFile> files;        // sorted by name
  std::map<std::string, size_t> file_by_name;
  int64_t foreign_objects = 0;  // objects in the stores that are not profiles in our key layout (skipped)
  int64_t refreshes = 0;
};

class Catalog {
 public:
  // Throws std::invalid_argument for a SOURCE that is neither a file, a directory nor an s3:// prefix.
  explicit Catalog(const std::vector<std::string>& sources);

  // The listing, refreshed first when the last refresh is older than `max_age` (one refresher at a time;
  // others get the current listing). A full listing every minute catches late uploads of old hours; between
  // those, only the hours from the newest one seen are listed again.
  std::shared_ptr<const Listing> listing(std::chrono::milliseconds max_age = std::chrono::milliseconds(1000));
  std::vector<StoreSource>& stores() { return stores_; }

 private:
  void refresh(bool full);
  std::vector<StoreSource> stores_;
  std::vector<std::string> folders_;  // folders of profile files (top-level files of a directory SOURCE)
  std::vector<std::string> single_files_;
  std::mutex refresh_mutex_;
  std::shared_mutex listing_mutex_;
  std::shared_ptr<const Listing> listing_;
  std::chrono::steady_clock::time_point last_refresh_{}, last_full_{};
  std::map<std::string, Invocation> known_;  // every object seen, by key
  std::vector<int64_t> newest_start_ms_;     // per store
  std::vector<int64_t> foreign_;             // per store, from the last full listing
};

}  // namespace lambdascope::server
