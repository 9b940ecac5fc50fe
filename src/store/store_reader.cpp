#include "store/store_reader.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "store/destination.hpp"
#include "store/directory_store_reader.hpp"
#include "store/s3_store_reader.hpp"
#include "store/sink.hpp"

namespace lambdascope::store {

std::vector<StoredObject> StoreReader::list(const ProfileQuery& query) {
  list_calls_ = 0;
  foreign_objects_ = 0;
  std::vector<std::string> functions;
  if (query.function.empty()) {
    functions = list_functions();
  } else {
    functions.push_back(query.function);
  }
  std::vector<StoredObject> out;
  for (const auto& f : functions) list_function(f, query, out);
  std::erase_if(out, [&](const StoredObject& o) { return !query.matches(o.profile); });
  if (query.slowest && out.size() > *query.slowest) {
    std::stable_sort(out.begin(), out.end(), [](const StoredObject& a, const StoredObject& b) {
      return a.profile.duration_ms > b.profile.duration_ms;
    });
    out.resize(*query.slowest);
  }
  std::sort(out.begin(), out.end(),
            [](const StoredObject& a, const StoredObject& b) { return a.key < b.key; });
  return out;
}

std::unique_ptr<StoreReader> open_store_reader(const std::string& source) {
  Destination d = parse_destination(source);
  if (d.scheme == "s3") return std::make_unique<S3StoreReader>(s3_config_from_environment(d.bucket), d.path);
  return std::make_unique<DirectoryStoreReader>(d.path);
}

namespace {

std::string fetch_with_retries(ObjectFetcher& fetcher, const StoredObject& object) {
  thread_local std::mt19937 rng{std::random_device{}()};
  constexpr int kAttempts = 4;
  for (int attempt = 1;; ++attempt) {
    try {
      return fetcher.fetch(object);
    } catch (const StoreError& e) {
      if (!e.retryable() || attempt == kAttempts) throw;
      // 100 ms, 200 ms, 400 ms, each with up to as much again of jitter.
      int base = 100 << (attempt - 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(base + rng() % base));
    }
  }
}

}  // namespace

unsigned fetch_workers(unsigned workers, size_t count) {
  return std::clamp<unsigned>(workers, 1, static_cast<unsigned>(std::min<size_t>(count, 64)));
}

void fetch_objects(StoreReader& reader, const std::vector<StoredObject>& objects, unsigned workers,
                   const std::function<void(const StoredObject&, std::string&& body)>& consume) {
  fetch_and_prepare_objects<std::string>(
      reader, objects, workers, [](const StoredObject&, std::string&& body) { return std::move(body); },
      consume);
}

void fetch_into_slots(StoreReader& reader, const std::vector<StoredObject>& objects, unsigned workers,
                      size_t slots,
                      const std::function<void(size_t i, std::string&& body, size_t slot)>& prepare,
                      const std::function<void(size_t i, size_t slot)>& consume) {
  if (objects.empty()) return;
  workers = fetch_workers(workers, objects.size());
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<size_t> free_slots;
  for (size_t s = 0; s < slots; ++s) free_slots.push_back(s);
  // Objects are consumed in list order whatever order their fetches finish in, so a merge's output does not
  // depend on the network or the machine's load. A worker takes its slot before its object: the object next
  // in line always holds a slot, so the ones after it can never fill every slot while it waits.
  std::map<size_t, size_t> ready;  // object -> slot
  size_t next{0};
  bool stop{false};
  std::exception_ptr failure;
  unsigned running = workers;

  auto work = [&](std::unique_ptr<ObjectFetcher> fetcher) {
    try {
      for (;;) {
        size_t i, slot;
        {
          std::unique_lock lock(mutex);
          changed.wait(lock, [&] { return !free_slots.empty() || stop; });
          if (stop || next >= objects.size()) break;
          slot = free_slots.back();
          free_slots.pop_back();
          i = next++;
        }
        std::string body = fetch_with_retries(*fetcher, objects[i]);
        prepare(i, std::move(body), slot);
        std::lock_guard lock(mutex);
        ready.emplace(i, slot);
        changed.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      stop = true;
    }
    std::lock_guard lock(mutex);
    --running;
    changed.notify_all();
  };

  std::vector<std::thread> threads;
  try {
    for (unsigned w = 0; w < workers; ++w) threads.emplace_back(work, reader.fetcher());
  } catch (...) {
    {
      std::lock_guard lock(mutex);
      stop = true;
      changed.notify_all();
    }
    for (auto& t : threads) t.join();
    throw;
  }
  size_t consumed = 0;
  try {
    for (;;) {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return ready.count(consumed) != 0 || running == 0 || stop; });
      if (stop || ready.count(consumed) == 0) break;
      size_t i = consumed++, slot = ready[i];
      ready.erase(i);
      lock.unlock();
      consume(i, slot);
      lock.lock();
      free_slots.push_back(slot);
      changed.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mutex);
    if (!failure) failure = std::current_exception();
    stop = true;
  }
  {
    std::lock_guard lock(mutex);
    changed.notify_all();
  }
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace lambdascope::store
