// Stored profiles as one typed call: list what a query selects in each source (directory store, S3 prefix or
// a single profile file), fetch and parse the bodies on a pool of workers and merge them on the calling
// thread. `merge` and `serve` are built on this. Never writes into a store.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "profile/merge.hpp"
#include "profile/profile.hpp"
#include "store/profile_query.hpp"
#include "store/store_reader.hpp"

namespace lambdascope::store {

// Parsed profiles kept between merges (serve's LRU); ids are "[timed:]<source>/<key>".
class ParsedProfileCache {
 public:
  virtual ~ParsedProfileCache() = default;
  virtual std::shared_ptr<const profile::Profile> find(const std::string& id) = 0;
  virtual void insert(const std::string& id, std::shared_ptr<const profile::Profile> parsed) = 0;
};

struct StoredMergeOptions {
  unsigned jobs = 8;        // parallel fetches (and parses)
  bool keep_times = false;  // keep per-sample times (costs memory per sample)
  ParsedProfileCache* cache = nullptr;
  // Called on the merging thread after each profile is merged; an exception it throws (a client that went
  // away) stops the fetches and is rethrown.
  std::function<void(size_t done, size_t total)> progress;
};

struct StoredMerge {
  profile::Profile profile;
  size_t count = 0;  // profiles merged
};

using ParsedConsumer =
    std::function<void(const StoredObject&, const std::shared_ptr<const profile::Profile>&)>;

// Fetches and parses `objects` of `reader` (through the cache), handing each to `consume` on the calling
// thread, in completion order. Throws StoreError, formats::ParseError, or what `consume` throws.
void parse_objects(StoreReader& reader, const std::vector<StoredObject>& objects,
                   const StoredMergeOptions& options, const ParsedConsumer& consume);

// Fetches, parses and adds `objects` of `reader` to `merger`. Throws StoreError, formats::ParseError,
// profile::MergeError.
void merge_objects(StoreReader& reader, const std::vector<StoredObject>& objects,
                   profile::ProfileMerger& merger, const StoredMergeOptions& options);

// Every source's selected objects merged (a regular file is read whole, unfiltered). Throws
// std::invalid_argument when nothing matches, or what merge_objects throws.
StoredMerge merge_stored(const std::vector<std::string>& sources, const ProfileQuery& query,
                         const StoredMergeOptions& options);

}  // namespace lambdascope::store
