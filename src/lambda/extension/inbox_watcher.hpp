// The inbox: a folder (LAMBDASCOPE_INBOX, default /tmp/lambdascope/inbox) where the function's own runtime
// drops profiles it wrote itself (Go's runtime/pprof, Node's inspector: runtimes the agent cannot enter).
// The watcher looks into it at the moments inbox_attribution.hpp names, takes every finished file (written
// under a temporary name and renamed into place), gives it to its invocation, and stores it through the
// same spool as the extension's own profiles (inbox_profile.hpp makes the object) on its own low-priority
// thread, never on the invocation's path. That thread starts with the first file taken: most functions never
// use the inbox, and every thread of the sandbox is woken at each freeze and thaw. Every taken file is
// removed (in Lambda /tmp is the function's disk), a bad one with a log line saying why; temporary files
// still there at SHUTDOWN are removed too. Never throws out of its calls; never makes the folder (the runtime
// does).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "lambda/extension/inbox_attribution.hpp"
#include "lambda/extension/inbox_profile.hpp"
#include "store/spool.hpp"

namespace lambdascope::lambda::extension {

struct InboxStats {
  uint64_t stored = 0;     // handed to the spool
  uint64_t bad = 0;        // not a profile (removed)
  uint64_t failed = 0;     // a profile that could not be kept (no spool, spool refused)
  uint64_t abandoned = 0;  // temporary files left at SHUTDOWN (removed)
};

class InboxWatcher {
 public:
  using SteadyClock = std::chrono::steady_clock;

  // `spool` may be null (no usable destination): files are then removed and counted as failed.
  InboxWatcher(std::string dir, InboxObjectIds ids, store::Spool* spool, int64_t start_ns);
  ~InboxWatcher();

  // From now on, a file taken starts the storing thread (if it has not started), which also looks every
  // second between the lifecycle's looks. Before, taken files wait in the queue.
  void start();
  const std::string& dir() const { return dir_; }

  // After the extension's INVOKE: files there now are the previous invocation's (or init's).
  void on_invoke(const std::string& request_id, int64_t receipt_ns);
  // platform.runtimeDone: files there now are this invocation's.
  void on_runtime_done(const std::string& request_id);
  // SHUTDOWN: takes every finished file, removes temporary ones and stores by `deadline`; false at the
  // deadline with files still being stored.
  bool finish(SteadyClock::time_point deadline);
  // Waits until every file taken so far is stored (LAMBDASCOPE_FLUSH=invoke); false at the deadline.
  bool drain(SteadyClock::time_point deadline);

  InboxStats stats() const;

 private:
  struct Taken {
    std::string name;   // as the runtime wrote it (log lines, the mutex/block hint)
    std::string taken;  // the private name it was renamed to when taken
    Window window;
  };
  void look(InboxAttribution::Look look, const std::string& request_id, bool final);  // mu_ held
  void start_thread_locked();
  void loop();
  void store(const Taken& t);

  std::string dir_;
  InboxObjectIds ids_;
  store::Spool* spool_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  InboxAttribution attribution_;
  std::deque<Taken> queue_;
  std::set<std::string> in_hand_;  // private names of the files queued or being stored
  uint64_t taken_count_ = 0;
  std::map<std::string, int> objects_per_type_;  // "<request id> <type>" -> objects so far
  bool busy_ = false;
  pid_t tid_ = 0;  // the thread's, once it runs
  bool stop_ = false;
  bool started_ = false;  // start() was called: taken files start the thread
  InboxStats stats_;
  std::thread thread_;
};

}  // namespace lambdascope::lambda::extension
