#include "store/store_reader.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
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

void fetch_objects(StoreReader& reader, const std::vector<StoredObject>& objects, unsigned workers,
                   const std::function<void(const StoredObject&, std::string&& body)>& consume) {
  fetch_and_prepare_objects(
      reader, objects, workers,
      [](const StoredObject&, std::string&& body) { return std::make_any<std::string>(std::move(body)); },
      [&](const StoredObject& o, std::any&& prepared) {
        consume(o, std::move(*std::any_cast<std::string>(&prepared)));
      });
}

void fetch_and_prepare_objects(
    StoreReader& reader, const std::vector<StoredObject>& objects, unsigned workers,
    const std::function<std::any(const StoredObject&, std::string&& body)>& prepare,
    const std::function<void(const StoredObject&, std::any&& prepared)>& consume) {
  if (objects.empty()) return;
  workers = std::clamp<unsigned>(workers, 1, static_cast<unsigned>(std::min<size_t>(objects.size(), 64)));
  const size_t capacity = 2 * workers;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::pair<size_t, std::any>> ready;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr failure;
  unsigned running = workers;

  auto work = [&](std::unique_ptr<ObjectFetcher> fetcher) {
    try {
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= objects.size() || stop) break;
        std::any prepared = prepare(objects[i], fetch_with_retries(*fetcher, objects[i]));
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return ready.size() < capacity || stop; });
        if (stop) break;
        ready.emplace_back(i, std::move(prepared));
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
    stop = true;
    changed.notify_all();
    for (auto& t : threads) t.join();
    throw;
  }
  try {
    for (;;) {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return !ready.empty() || running == 0 || stop; });
      if (stop || ready.empty()) break;
      auto item = std::move(ready.front());
      ready.pop_front();
      changed.notify_all();
      lock.unlock();
      consume(objects[item.first], std::move(item.second));
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
