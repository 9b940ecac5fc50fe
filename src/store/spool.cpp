#include "store/spool.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace lambdascope::store {
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kMagic = "LSSPOOL1\n";
constexpr std::string_view kSuffix = ".spool";
constexpr const char* kDroppedFile = "dropped";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Header fields are one line each: no newline or tab may hide in them.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  return out;
}

// Writes `bytes` to dir/name through a temporary file and rename, so a reader (the drainer, a later start)
// never sees half a file. Returns "" or the error.
std::string write_whole(const std::string& dir, const std::string& name, std::string_view bytes) {
  std::string temp = dir + "/." + name + ".tmp";
  std::string target = dir + "/" + name;
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + temp + ": " + std::strerror(errno);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(n < 0 ? errno : ENOSPC);
      ::close(fd);
      ::unlink(temp.c_str());
      return "cannot write " + temp + ": " + why;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temp.c_str(), target.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot store " + target + ": " + why;
  }
  return {};
}

bool read_whole(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

uint64_t read_counter(const std::string& path) {
  std::string text;
  if (!read_whole(path, &text)) return 0;
  uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// Full jitter on the upper half: spreads retries of many sandboxes without ever retrying at once.
std::chrono::milliseconds jittered(std::chrono::milliseconds backoff) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto half = backoff.count() / 2;
  std::uniform_int_distribution<int64_t> d(half, std::max<int64_t>(half, backoff.count()));
  return std::chrono::milliseconds(d(rng));
}

}  // namespace

std::string encode_spool_entry(const std::string& key, std::string_view body,
                               const ObjectMetadata& metadata) {
  std::string out(kMagic);
  out += one_line(key) + "\n" + std::to_string(metadata.size()) + "\n";
  for (const auto& [k, v] : metadata) out += one_line(k) + "\t" + one_line(v) + "\n";
  out += std::to_string(body.size()) + "\n";
  out.append(body);
  return out;
}

bool decode_spool_entry(std::string_view bytes, std::string* key, std::string_view* body,
                        ObjectMetadata* metadata) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return false;
  size_t at = kMagic.size();
  auto line = [&](std::string_view* out) {
    size_t nl = bytes.find('\n', at);
    if (nl == std::string_view::npos) return false;
    *out = bytes.substr(at, nl - at);
    at = nl + 1;
    return true;
  };
  auto number = [&](uint64_t* out) {
    std::string_view l;
    if (!line(&l) || l.empty()) return false;
    auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), *out);
    return ec == std::errc() && p == l.data() + l.size();
  };
  std::string_view k;
  uint64_t count = 0, size = 0;
  if (!line(&k) || k.empty() || !number(&count) || count > 1000) return false;
  metadata->clear();
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view l;
    if (!line(&l)) return false;
    size_t tab = l.find('\t');
    if (tab == std::string_view::npos) return false;
    (*metadata)[std::string(l.substr(0, tab))] = std::string(l.substr(tab + 1));
  }
  if (!number(&size) || bytes.size() - at != size) return false;
  *key = std::string(k);
  *body = bytes.substr(at);
  return true;
}

Spool::Spool(SpoolOptions options, Sink& sink) : options_(std::move(options)), sink_(sink) {
  while (options_.dir.size() > 1 && options_.dir.back() == '/') options_.dir.pop_back();
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec || !fs::is_directory(options_.dir))
    throw StoreError(
        "cannot create the spool directory " + options_.dir + ": " + (ec ? ec.message() : "not a directory"),
        false);
}

Spool::~Spool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (drainer_.joinable()) drainer_.join();
}

void Spool::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "[lambdascope] %s\n", line.c_str());
  }
}

void Spool::start() {
  std::unique_lock<std::mutex> lock(mu_);
  if (started_) return;
  started_ = true;
  std::error_code ec;
  uint64_t found = 0;
  auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.front() == '.' && ends_with(name, ".tmp")) {
      // A write interrupted by a crash; a minute old so that it is not a live producer's.
      std::error_code age_ec;
      auto t = fs::last_write_time(entry.path(), age_ec);
      if (!age_ec && now - t > std::chrono::minutes(1)) fs::remove(entry.path(), age_ec);
      continue;
    }
    if (!ends_with(name, kSuffix) || queue_.count(name) != 0) continue;
    std::error_code size_ec;
    uint64_t size = entry.file_size(size_ec);
    if (size_ec) continue;
    queue_[name] = size;
    queued_bytes_ += size;
    ++found;
  }
  stats_.leftovers = found;
  if (found != 0)
    log(std::to_string(found) + " profile" + (found == 1 ? "" : "s") + " left in the spool " + options_.dir +
        " by an earlier run; sending them");
  if (queued_bytes_ > options_.max_bytes) drop_oldest_for(0, lock);
  if (!options_.direct || !queue_.empty()) start_drainer_locked();
}

void Spool::start_drainer_locked() {
  if (drainer_.joinable()) return;
  drainer_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "ls-spool");
    drain_loop();
  });
}

void Spool::count_dropped(uint64_t n) {
  std::string path = options_.dir + "/" + kDroppedFile;
  uint64_t total = read_counter(path) + n;
  dropped_file_ = true;
  std::string error = write_whole(options_.dir, kDroppedFile, std::to_string(total));
  if (!error.empty()) log("cannot persist the dropped-profile count: " + error);
}

void Spool::remove_file(const std::string& name) {
  std::string path = options_.dir + "/" + name;
  ::unlink(path.c_str());
}

void Spool::drop_oldest_for(uint64_t incoming, std::unique_lock<std::mutex>&) {
  uint64_t dropped = 0;
  for (auto it = queue_.begin(); it != queue_.end() && queued_bytes_ + incoming > options_.max_bytes;) {
    if (it->first == in_flight_) {
      ++it;
      continue;
    }
    remove_file(it->first);
    queued_bytes_ -= it->second;
    it = queue_.erase(it);
    ++dropped;
  }
  if (dropped == 0) return;
  stats_.dropped_full += dropped;
  count_dropped(dropped);
  log("spool " + options_.dir + " over its limit of " + std::to_string(options_.max_bytes >> 20) +
      " MB: " + std::to_string(dropped) + " oldest profile" + (dropped == 1 ? "" : "s") + " dropped");
}

bool Spool::add(const std::string& key, std::string_view body, const ObjectMetadata& metadata) {
  std::string entry = encode_spool_entry(key, body, metadata);
  std::unique_lock<std::mutex> lock(mu_);
  ++stats_.added;
  if (entry.size() > options_.max_bytes) {
    ++stats_.dropped_full;
    count_dropped(1);
    log("profile " + key + " (" + std::to_string(entry.size()) + " bytes) is larger than the whole spool (" +
        std::to_string(options_.max_bytes) + " bytes): dropped");
    return false;
  }
  if (options_.direct && options_.drain && queue_.empty() && in_flight_.empty() && !direct_in_flight_ &&
      put_direct(key, body, metadata, lock))
    return true;
  drop_oldest_for(entry.size(), lock);
  // Creation time first (names sort oldest first, also across restarts), then pid and a counter (unique).
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  char name[96];
  std::snprintf(name, sizeof name, "%020lld-%d-%06llu%s", static_cast<long long>(now_ns),
                static_cast<int>(::getpid()), static_cast<unsigned long long>(sequence_++ % 1000000),
                std::string(kSuffix).c_str());
  std::string error = write_whole(options_.dir, name, entry);
  if (!error.empty()) {
    ++stats_.dropped_failed;
    count_dropped(1);
    log("profile " + key + " dropped: " + error);
    return false;
  }
  queue_[name] = entry.size();
  queued_bytes_ += entry.size();
  if (started_) start_drainer_locked();
  lock.unlock();
  cv_.notify_all();
  return true;
}

// Puts one profile from the caller's thread (mu_ held on entry and return). True when it is done with: sent,
// or refused for good (dropped, counted); false when it should be spooled (a retryable failure).
bool Spool::put_direct(const std::string& key, std::string_view body, const ObjectMetadata& metadata,
                       std::unique_lock<std::mutex>& lock) {
  direct_in_flight_ = true;
  lock.unlock();
  std::string why;
  const PutOutcome outcome = put_to_sink(key, body, metadata, &why);
  lock.lock();
  direct_in_flight_ = false;
  cv_.notify_all();
  switch (outcome) {
    case PutOutcome::kSent:
      ++stats_.sent;
      return true;
    case PutOutcome::kDrop:
      count_refused(key, why);
      return true;
    case PutOutcome::kRetry:
      break;
  }
  ++stats_.retries;
  log("cannot send " + key + " to " + sink_.describe() + " (" + why + "); spooled for a retry");
  return false;
}

Spool::PutOutcome Spool::put_to_sink(const std::string& key, std::string_view body,
                                     const ObjectMetadata& metadata, std::string* why) {
  try {
    sink_.put(key, body, metadata);
    return PutOutcome::kSent;
  } catch (const StoreError& e) {
    *why = e.what();
    return e.retryable() ? PutOutcome::kRetry : PutOutcome::kDrop;
  } catch (const std::exception& e) {
    *why = e.what();
    return PutOutcome::kRetry;  // unknown: assume it may pass later; the size limit bounds the wait
  }
}

void Spool::count_refused(const std::string& what, const std::string& why) {
  ++stats_.dropped_failed;
  count_dropped(1);
  log("profile " + what + " dropped: " + sink_.describe() + " refused it for good: " + why);
}

size_t Spool::flush(SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!started_) {
    lock.unlock();
    start();
    lock.lock();
  }
  flushing_ = true;
  flush_deadline_ = deadline;
  // A retry scheduled past the deadline would never happen in time: try again now.
  if (retry_at_ > SteadyClock::now()) retry_at_ = SteadyClock::now();
  cv_.notify_all();
  cv_.wait_until(lock, deadline, [&] { return queue_.empty() && !direct_in_flight_; });
  flushing_ = false;
  size_t left = queue_.size();
  if (left != 0)
    log(std::to_string(left) + " profile" + (left == 1 ? "" : "s") + " left unsent in the spool " +
        options_.dir + " at the deadline (" + sink_.describe() + "); a later start sends them");
  return left;
}

uint64_t Spool::take_dropped() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dropped_file_) return 0;
  std::string path = options_.dir + "/" + kDroppedFile;
  uint64_t n = read_counter(path);
  if (n != 0) ::unlink(path.c_str());
  dropped_file_ = false;
  return n;
}

size_t Spool::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

uint64_t Spool::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_bytes_;
}

SpoolStats Spool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Spool::drain_loop() {
  if (options_.drainer_setup) options_.drainer_setup();
  std::unique_lock<std::mutex> lock(mu_);
  std::string bytes;
  for (;;) {
    cv_.wait(lock, [&] {
      return stop_ || (!queue_.empty() && !direct_in_flight_ && (options_.drain || flushing_));
    });
    if (stop_) return;
    auto now = SteadyClock::now();
    if (retry_at_ > now) {
      cv_.wait_until(lock, retry_at_, [&] { return stop_ || retry_at_ <= SteadyClock::now(); });
      continue;
    }
    std::string name = queue_.begin()->first;
    uint64_t size = queue_.begin()->second;
    in_flight_ = name;
    lock.unlock();

    std::string key;
    std::string_view body;
    ObjectMetadata metadata;
    PutOutcome outcome;
    std::string why;
    if (!read_whole(options_.dir + "/" + name, &bytes) ||
        !decode_spool_entry(bytes, &key, &body, &metadata)) {
      outcome = PutOutcome::kDrop;
      why = "spool file " + name + " is unreadable or incomplete";
    } else {
      outcome = put_to_sink(key, body, metadata, &why);
    }

    lock.lock();
    in_flight_.clear();
    if (outcome == PutOutcome::kRetry) {
      ++stats_.retries;
      backoff_ =
          backoff_.count() == 0 ? options_.initial_backoff : std::min(backoff_ * 2, options_.max_backoff);
      auto wait = jittered(backoff_);
      if (flushing_) {
        // Under a deadline: retry sooner, leaving room for the retry itself.
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(flush_deadline_ - SteadyClock::now());
        wait = std::min(wait, std::max(std::chrono::milliseconds(10), left / 4));
      }
      retry_at_ = SteadyClock::now() + wait;
      if (stats_.retries == 1 || (stats_.retries & (stats_.retries - 1)) == 0)  // 1st, 2nd, 4th, 8th, ...
        log("cannot send " + key + " to " + sink_.describe() + " (" + why + "); retrying in " +
            std::to_string(wait.count()) + " ms (" + std::to_string(queue_.size()) + " waiting)");
      continue;
    }
    backoff_ = std::chrono::milliseconds(0);
    if (queue_.erase(name) != 0) queued_bytes_ -= size;
    remove_file(name);
    if (outcome == PutOutcome::kSent) {
      ++stats_.sent;
    } else {
      count_refused(key.empty() ? name : key, why);
    }
    cv_.notify_all();
  }
}

}  // namespace lambdascope::store
