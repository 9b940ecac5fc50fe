// The spool: finished profiles wait in a local directory (Lambda's /tmp) until a background drainer has
// put them to the Sink, so a slow, failing or absent destination never holds up the one who produced them,
// and profiles survive the producer's crash (the next start sends the leftovers).
//
// Each profile is one file, written whole (temporary file + rename) with its key and object metadata in a
// small header, named by creation time so names sort oldest first (a local destination's profile added
// while nothing waits is put at once instead: SpoolOptions::direct). Rules:
//   - sent: the file is deleted;
//   - retryable StoreError (network, 5xx, throttling): the same file is tried again after an exponential
//     backoff with jitter (capped), oldest first, nothing is lost;
//   - permanent StoreError (access denied, no such bucket, a refused key): retrying cannot help, so the file
//     is deleted, counted as dropped and logged with the destination, key and error;
//   - over the size limit: the OLDEST files are deleted first (the newest profiles are the ones a user is
//     looking for) and counted;
//   - a file that cannot be read back (truncated, not ours) is deleted and counted.
// Dropped counts are persisted in the directory (file `dropped`) until take_dropped() reports them, so the
// next profile written can say how many went missing, even across restarts.
// It never throws from add(), flush() or the drainer: failures are log lines and counts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "store/sink.hpp"

namespace lambdascope::store {

struct SpoolOptions {
  std::string dir;                   // created when missing
  uint64_t max_bytes = 64ull << 20;  // the whole spool, headers included
  bool drain = true;                 // false: keep everything until flush() (LAMBDASCOPE_FLUSH=shutdown)
  // A local destination (a directory): a profile added while nothing waits is put at once, from add()'s
  // thread, with no file of its own; what fails is spooled as usual. A spool file costs a new inode, a
  // read-back, an unlink and a wake of the drainer: twice what the put costs, for nothing a local put needs.
  bool direct = false;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{10000};
  std::function<void(const std::string&)> log;  // one line, no prefix; default: stderr "[lambdascope] ..."
  std::function<void()> drainer_setup;          // runs first on the drainer thread (e.g. lower priority)
};

struct SpoolStats {
  uint64_t added = 0;
  uint64_t sent = 0;
  uint64_t retries = 0;         // retryable failures
  uint64_t dropped_full = 0;    // size limit
  uint64_t dropped_failed = 0;  // permanent errors, unreadable files, failed writes
  uint64_t leftovers = 0;       // found at start
};

class Spool {
 public:
  // Creates the directory; throws StoreError when it cannot.
  Spool(SpoolOptions options, Sink& sink);
  ~Spool();  // stops the drainer without flushing (files stay for the next start)
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Takes the files already in the directory (a crashed producer's, a previous sandbox's) into the queue
  // and starts the drainer thread; with `direct`, only once there is a file to send (a thread that waits
  // for nothing still costs two wakes per invocation: a frozen sandbox's threads are each woken to stop
  // and to go on).
  void start();

  // Stores one profile for the drainer. Returns false (after a log line) when it could not be kept: larger
  // than the whole spool, or the write failed (disk full).
  bool add(const std::string& key, std::string_view body, const ObjectMetadata& metadata);

  // Sends what it can until `deadline` (also with drain = false); returns how many profiles were left
  // unsent, after a log line saying so. The files stay for a later start.
  size_t flush(std::chrono::steady_clock::time_point deadline);

  // Profiles dropped since the last call (persisted across restarts), and resets the count.
  uint64_t take_dropped();

  size_t pending() const;
  uint64_t pending_bytes() const;
  SpoolStats stats() const;
  const std::string& dir() const { return options_.dir; }

 private:
  enum class PutOutcome { kSent, kRetry, kDrop };
  void drain_loop();
  void start_drainer_locked();  // once
  // One put to the sink (mu_ not held); `why` says why it failed.
  PutOutcome put_to_sink(const std::string& key, std::string_view body, const ObjectMetadata& metadata,
                         std::string* why);
  void count_refused(const std::string& what, const std::string& why);  // refused for good; mu_ held
  bool put_direct(const std::string& key, std::string_view body, const ObjectMetadata& metadata,
                  std::unique_lock<std::mutex>& lock);
  void drop_oldest_for(uint64_t incoming, std::unique_lock<std::mutex>& lock);
  void count_dropped(uint64_t n);  // with mu_ held
  void remove_file(const std::string& name);
  void log(const std::string& line) const;

  SpoolOptions options_;
  Sink& sink_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, uint64_t> queue_;  // file name -> size; names sort oldest first
  uint64_t queued_bytes_ = 0;
  std::string in_flight_;          // the file being sent (never dropped under the drainer's feet)
  bool direct_in_flight_ = false;  // add() is putting a profile itself: the drainer waits
  bool stop_ = false;
  bool started_ = false;  // start() ran (the drainer may still wait for a first file, see start())
  // The dropped-profile count's file may exist: unknown at start (an earlier run's), then only after
  // count_dropped. take_dropped, once per profile, opens it only then.
  bool dropped_file_ = true;
  bool flushing_ = false;
  std::chrono::steady_clock::time_point flush_deadline_{};
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  uint64_t sequence_ = 0;
  SpoolStats stats_;
  std::thread drainer_;
};

// The header format of a spool file, exposed for tests: encode and decode one entry.
std::string encode_spool_entry(const std::string& key, std::string_view body, const ObjectMetadata& metadata);
// False when `bytes` is not a complete entry.
bool decode_spool_entry(std::string_view bytes, std::string* key, std::string_view* body,
                        ObjectMetadata* metadata);

}  // namespace lambdascope::store
