#include "lambda/extension/inbox_watcher.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lambda/extension/invocation_labels.hpp"
#include "lambda/extension/log.hpp"

namespace lambdascope::lambda::extension {

namespace {

// Between the moments the lifecycle gives, a look for the latest invocation's files (cheap: one readdir),
// once the runtime has used the inbox.
constexpr auto kLookPeriod = std::chrono::seconds(1);
// A runtime's profile is kilobytes to a few megabytes; more is not a profile we keep in memory.
constexpr off_t kMaxBytes = 64 << 20;

// The file's bytes, or an error text; never follows a symbolic link.
bool read_file(const std::string& path, std::string& out, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = errno == ELOOP ? "a symbolic link (not followed)"
                           : std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  if (!ok || !S_ISREG(st.st_mode)) {
    error = "not a regular file";
  } else if (st.st_size > kMaxBytes) {
    error = "larger than 64 MiB";
    ok = false;
  } else {
    out.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    out.resize(got);
  }
  ::close(fd);
  return ok && S_ISREG(st.st_mode) && error.empty();
}

bool is_directory(const dirent* e, const std::string& dir) {
  if (e->d_type != DT_UNKNOWN) return e->d_type == DT_DIR;
  struct stat st {};
  return ::lstat((dir + "/" + e->d_name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

InboxWatcher::InboxWatcher(std::string dir, InboxObjectIds ids, store::Spool* spool, int64_t start_ns)
    : dir_(std::move(dir)), ids_(std::move(ids)), spool_(spool), attribution_(start_ns) {}

InboxWatcher::~InboxWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void InboxWatcher::start() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
  if (!queue_.empty()) start_thread_locked();
}

void InboxWatcher::start_thread_locked() {
  if (!started_ || thread_.joinable()) return;
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "ls-inbox");
    loop();
  });
}

void InboxWatcher::on_invoke(const std::string& request_id, int64_t receipt_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  attribution_.on_invoke(request_id, receipt_ns);
  look(InboxAttribution::Look::kBeforeLatest, {}, false);
}

void InboxWatcher::on_runtime_done(const std::string& request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  // Telemetry is buffered (up to a second): a runtimeDone that comes after the next INVOKE is late. The
  // look at that INVOKE took this invocation's files; what is there now is the next one's.
  if (attribution_.superseded(request_id)) return;
  look(InboxAttribution::Look::kRequest, request_id, false);
}

bool InboxWatcher::finish(SteadyClock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The function no longer needs the CPU (as BackgroundWriter::raise_priority; may fail unprivileged).
    if (tid_ != 0) ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid_), 0);
    look(InboxAttribution::Look::kLatest, {}, true);
  }
  return drain(deadline);
}

bool InboxWatcher::drain(SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_until(lock, deadline, [&] { return queue_.empty() && !busy_; });
}

InboxStats InboxWatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void InboxWatcher::look(InboxAttribution::Look which, const std::string& request_id, bool final) {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return;  // not made yet: the runtime makes it when it first writes
  size_t queued = queue_.size();
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || in_hand_.count(name) != 0) continue;
    if (is_directory(e, dir_)) continue;
    if (!inbox_name_is_final(name)) {
      // Still being written; at SHUTDOWN nobody will finish it.
      if (final && ::unlink((dir_ + "/" + name).c_str()) == 0) {
        ++stats_.abandoned;
        Log::info("inbox: " + name +
                  ": a temporary file left at SHUTDOWN (never renamed into place); removed");
      }
      continue;
    }
    std::optional<Window> w = attribution_.attribute(name, which, request_id, final);
    if (!w) continue;
    // Taken now, under a private name: a runtime that writes the same name again next time replaces
    // nothing we have not read yet. (Hidden, so no look takes it again; SHUTDOWN's clears what is left.)
    std::string taken = ".taken-" + std::to_string(++taken_count_) + "-" + name;
    if (::rename((dir_ + "/" + name).c_str(), (dir_ + "/" + taken).c_str()) != 0) continue;
    in_hand_.insert(taken);
    queue_.push_back({name, taken, std::move(*w)});
  }
  ::closedir(d);
  if (queue_.size() == queued) return;
  start_thread_locked();
  cv_.notify_all();
}

void InboxWatcher::loop() {
  // Parsing and compressing compete with the function for the sandbox's CPU: let the function win.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock<std::mutex> lock(mu_);
  tid_ = ::gettid();
  while (!stop_) {
    if (queue_.empty()) {
      busy_ = false;
      idle_cv_.notify_all();
      if (!cv_.wait_for(lock, kLookPeriod, [&] { return stop_ || !queue_.empty(); }) && !stop_)
        look(InboxAttribution::Look::kLatest, {}, false);
      continue;
    }
    busy_ = true;
    Taken t = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    store(t);
    lock.lock();
    in_hand_.erase(t.taken);
  }
}

void InboxWatcher::store(const Taken& t) {
  const std::string path = dir_ + "/" + t.taken;
  const std::string whose =
      t.window.phase == Phase::kInit ? "the init phase" : "invocation " + t.window.request_id;
  std::string bytes, error;
  bool read = read_file(path, bytes, error);
  // Removed whatever it holds: a file left would be taken again, and /tmp is the function's disk.
  ::unlink(path.c_str());
  try {
    if (!read) throw std::runtime_error(error);
    StoredProfile sp =
        make_inbox_profile(t.name, std::move(bytes), t.window, ids_, [&](const std::string& type) {
          std::lock_guard<std::mutex> lock(mu_);
          if (objects_per_type_.size() > 4096) objects_per_type_.clear();
          return ++objects_per_type_[window_request_id(t.window, ids_.sandbox) + " " + type];
        });
    bool kept = spool_ != nullptr && spool_->add(sp.key, sp.body, sp.metadata);
    Log::debug("inbox: " + t.name + " -> " + sp.key + " (" + std::to_string(sp.samples) + " samples)");
    std::lock_guard<std::mutex> lock(mu_);
    ++(kept ? stats_.stored : stats_.failed);
  } catch (const std::exception& e) {
    Log::info("inbox: " + t.name + " (" + whose + "): not stored: " + e.what() + "; removed");
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.bad;
  }
}

}  // namespace lambdascope::lambda::extension
