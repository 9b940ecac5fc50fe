// Reading stored profiles back: list what a query selects (from keys alone) in a directory or an S3 prefix,
// then fetch the bodies with a bounded pool of workers. `pull`, `merge` and `serve` are built on this.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/object_key.hpp"
#include "store/profile_query.hpp"

namespace lambdascope::store {

struct StoredObject {
  std::string key;  // relative to the store's prefix: "<function>/YYYY/MM/DD/HH/<name>.pb.gz"
  ProfileKey profile;
  int64_t size = 0;
  bool symlink = false;  // a directory store's entry that is a symbolic link (serve checks where it leads)
};

// Fetches bodies; one per worker thread (an S3 fetcher holds a kept-alive connection).
class ObjectFetcher {
 public:
  virtual ~ObjectFetcher() = default;
  virtual std::string fetch(const StoredObject& object) = 0;  // throws StoreError
};

class StoreReader {
 public:
  virtual ~StoreReader() = default;
  // The objects the query selects, sorted by key (--slowest applied). Throws StoreError.
  std::vector<StoredObject> list(const ProfileQuery& query);
  virtual std::unique_ptr<ObjectFetcher> fetcher() = 0;
  // "s3://bucket/prefix" or "/dir": prefixes object names in messages.
  virtual std::string describe() const = 0;
  // How many list requests (S3) or folders (directory) the last list() read: the cost of a query.
  int64_t list_calls() const { return list_calls_; }
  // How many objects the last list() skipped as not ours (not in the key layout).
  int64_t foreign_objects() const { return foreign_objects_; }

 protected:
  // Appends the objects of one function that `query` may select; may skip hours outside its time range.
  virtual void list_function(const std::string& function, const ProfileQuery& query,
                             std::vector<StoredObject>& out) = 0;
  virtual std::vector<std::string> list_functions() = 0;
  int64_t list_calls_ = 0;
  int64_t foreign_objects_ = 0;
};

// "s3://bucket[/prefix]" (credentials and endpoint from the environment, as for the sink), "file:///dir" or a
// directory path. Throws std::invalid_argument or StoreError.
std::unique_ptr<StoreReader> open_store_reader(const std::string& source);

// Fetches `objects` with up to `workers` threads; `prepare(i, body, slot)` runs on a worker and leaves its
// result in `slot` (one of `slots`, owned by that call until `consume(i, slot)` has run on the calling
// thread, one at a time, in completion order). So at most `slots` prepared values exist at once, however many
// objects there are. A retryable S3 error is retried (3 times, exponential backoff with jitter); the first
// failure left, or an exception from `consume`, stops the workers and is rethrown.
void fetch_into_slots(StoreReader& reader, const std::vector<StoredObject>& objects, unsigned workers,
                      size_t slots,
                      const std::function<void(size_t i, std::string&& body, size_t slot)>& prepare,
                      const std::function<void(size_t i, size_t slot)>& consume);

// The workers fetch_into_slots uses for `count` objects: `workers` clamped to 1 .. min(count, 64).
unsigned fetch_workers(unsigned workers, size_t count);

// Fetches `objects` with up to `workers` threads and hands each body to `consume` on the calling thread.
// At most 2 x workers bodies are held at once.
void fetch_objects(StoreReader& reader, const std::vector<StoredObject>& objects, unsigned workers,
                   const std::function<void(const StoredObject&, std::string&& body)>& consume);

// The same, with a `prepare` step (T prepare(const StoredObject&, std::string&&)) that runs on the worker
// threads (parsing a profile, say) so that only `consume(const StoredObject&, T&&)` (merging) is serial. At
// most 2 x workers prepared values are held at once.
template <class T, class Prepare, class Consume>
void fetch_and_prepare_objects(StoreReader& reader, const std::vector<StoredObject>& objects,
                               unsigned workers, Prepare&& prepare, Consume&& consume) {
  if (objects.empty()) return;
  workers = fetch_workers(workers, objects.size());
  std::vector<std::optional<T>> slots(2 * workers);
  fetch_into_slots(
      reader, objects, workers, slots.size(),
      [&](size_t i, std::string&& body, size_t slot) {
        slots[slot].emplace(prepare(objects[i], std::move(body)));
      },
      [&](size_t i, size_t slot) {
        T value = std::move(*slots[slot]);
        slots[slot].reset();
        consume(objects[i], std::move(value));
      });
}

}  // namespace lambdascope::store
