#include "lambda/extension/background_writer.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "lambda/common/ids.hpp"
#include "lambda/extension/log.hpp"

namespace lambdascope::lambda::extension {

using SteadyClock = std::chrono::steady_clock;

namespace {

// How often new samples are symbolized ahead while no window is ready: often enough that SHUTDOWN finds
// little new, rarely enough that the function (which shares the sandbox's CPU) hardly notices. Not while
// windows come (each one symbolizes its own samples): only after kPrepareQuiet without one, as in a long
// invocation or a long init.
constexpr auto kPreparePeriod = std::chrono::milliseconds(200);
constexpr auto kPrepareQuiet = std::chrono::milliseconds(1000);
// How long a window's cut waits for the agent to have written its waits up to the window's end.
constexpr auto kWaitsGrace = std::chrono::milliseconds(150);
// The longest the loop sleeps with nothing due (a safety net: whatever makes a window ready wakes it).
constexpr auto kIdleLook = std::chrono::seconds(1);

// This thread's CPU time in microseconds: what each step of a profile costs (debug lines).
int64_t thread_cpu_us() {
  struct timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

BackgroundWriter::BackgroundWriter(Options options, WindowCutter& cutter, RingFollower& follower,
                                   ProfileWriter& writer, store::Spool* spool)
    : options_(options),
      cutter_(cutter),
      follower_(follower),
      writer_(writer),
      spool_(spool),
      ring_dir_(options.ring_dir) {}

BackgroundWriter::~BackgroundWriter() {
  stop();
}

void BackgroundWriter::start() {
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "ls-writer");  // per-thread CPU (top -H, bench) says who
    loop();
  });
}

void BackgroundWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundWriter::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

bool BackgroundWriter::drain(SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  // Done when a look for ready windows that began after this call found none.
  uint64_t request = ++drain_requests_;
  wake_ = true;
  cv_.notify_all();
  return idle_cv_.wait_until(lock, deadline, [&] { return drained_ >= request || stop_; });
}

WriterStats BackgroundWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void BackgroundWriter::raise_priority() {
  std::lock_guard<std::mutex> lock(mu_);
  if (tid_ != 0 && options_.lower_priority) ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid_), 0);
}

void BackgroundWriter::pause() {
  std::lock_guard<std::mutex> lock(mu_);
  paused_ = true;
}

size_t BackgroundWriter::unsaved() const {
  size_t in_hand;
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_hand = in_hand_;
  }
  return in_hand + cutter_.open_windows();
}

void BackgroundWriter::set_symbolize_deadline(SteadyClock::time_point t) {
  std::lock_guard<std::mutex> lock(mu_);
  symbolize_by_ = t;
}

void BackgroundWriter::loop() {
  // Symbolizing and compressing compete with the function for the sandbox's CPU: let the function win.
  if (options_.lower_priority) ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock<std::mutex> lock(mu_);
  tid_ = ::gettid();
  while (!stop_) {
    if (paused_) {
      cv_.wait(lock, [&] { return stop_; });
      break;
    }
    wake_ = false;
    uint64_t requests = drain_requests_;
    lock.unlock();
    std::vector<Window> ready = cutter_.take_ready();
    lock.lock();
    in_hand_ = ready.size();
    lock.unlock();
    int64_t ready_through = 0;
    for (const Window& w : ready) ready_through = std::max(ready_through, w.end_ns);
    // Oldest first (the init window first), each handed to the spool as soon as it is written: a deadline
    // that comes early costs the newest windows, not all of them.
    for (Window& w : ready) {
      lock.lock();
      bool paused = paused_;
      lock.unlock();
      if (paused) break;  // the rest stays counted in in_hand_
      process(std::move(w));
      lock.lock();
      --in_hand_;
      lock.unlock();
    }
    if (!ready.empty()) {
      follower_.remove_finished_rings();
      last_window_ = SteadyClock::now();
      prepared_to_ns_ = std::max(prepared_to_ns_, ready_through);  // symbolized with their windows
    }
    if (ready.empty()) prepare_symbols();
    lock.lock();
    if (!ready.empty()) continue;
    drained_ = requests;
    idle_cv_.notify_all();
    cv_.wait_until(lock, next_look(), [&] { return stop_ || wake_; });
  }
}

// When the loop looks again without being woken. Every wake costs the sandbox CPU (some 40 us on
// Firecracker), so only when something is due: every 50 ms while a window waits for its report (its grace
// runs out; the cutter also tells a freeze from those looks), and when symbols may next be prepared.
// Windows that become ready otherwise (telemetry, INVOKE, SHUTDOWN, drain) come with a wake().
SteadyClock::time_point BackgroundWriter::next_look() const {
  const auto now = SteadyClock::now();
  const auto grace = cutter_.next_grace_deadline();
  if (grace != SteadyClock::time_point::max()) return std::min(grace, now + std::chrono::milliseconds(50));
  auto next = now + kIdleLook;
  if (options_.prepare_symbols)
    next = std::min(
        next, std::max({last_prepare_ + kPreparePeriod, last_window_ + kPrepareQuiet, now + kPreparePeriod}));
  return next;
}

void BackgroundWriter::prepare_symbols() {
  if (!options_.prepare_symbols || !follower_.seen_any_ring()) return;
  auto now = SteadyClock::now();
  if (now - last_prepare_ < kPreparePeriod || now - last_window_ < kPrepareQuiet) return;
  last_prepare_ = now;
  int64_t until = epoch_ns_now();
  int64_t from = prepared_to_ns_ != 0 ? prepared_to_ns_ : follower_.earliest_start_ns();
  if (from == 0 || from >= until) return;
  try {
    writer_.prepare(follower_.cut(from, until));
    prepared_to_ns_ = until;
  } catch (const std::exception& e) {
    Log::debug(std::string("preparing symbols: ") + e.what());
  }
}

void BackgroundWriter::process(Window w) {
  try {
    if (w.start_ns == Window::kFromRingStart) {
      int64_t first = follower_.earliest_start_ns();
      w.start_ns = first != 0 && first < w.end_ns ? first : w.end_ns;
    }
    // Keep or skip: decided here, with the window known, never on the function's time.
    const char* skip = nullptr;
    if (w.phase == Phase::kInvoke) {
      double duration =
          w.runtime_duration_ms ? *w.runtime_duration_ms : static_cast<double>(w.end_ns - w.start_ns) / 1e6;
      if (options_.sample_rate < 1.0 &&
          std::uniform_real_distribution<double>(0, 1)(rng_) >= options_.sample_rate) {
        skip = "LAMBDASCOPE_SAMPLE_RATE";
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.skipped_sample_rate;
      } else if (options_.min_duration_ms > 0 && duration < options_.min_duration_ms) {
        skip = "LAMBDASCOPE_MIN_DURATION_MS";
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.skipped_min_duration;
      }
    }
    // The agent's wall sampler looks for waits every few tens of ms: the window's last ones may not be in
    // the ring yet (bounded: a sampler kept from the CPU costs those periods, not the profile). Not once
    // SHUTDOWN has come (a deadline is set): its budget can be shorter than the wait (100 ms), and the
    // runtime is going away.
    bool shutting_down;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutting_down = symbolize_by_ != SteadyClock::time_point::max();
    }
    if (skip == nullptr && !shutting_down)
      follower_.wait_for_waits(w.end_ns, SteadyClock::now() + kWaitsGrace);
    const int64_t cpu_start = thread_cpu_us();
    std::vector<capture::RingData> slices;
    if (skip == nullptr) slices = follower_.cut(w.start_ns, w.end_ns);
    const int64_t cpu_cut = thread_cpu_us();
    if (skip == nullptr && !follower_.seen_any_ring()) {
      // No agent in the runtime: an empty profile per invocation would only cost storage. Say why, once.
      if (!warned_no_agent_)
        Log::info("no profile written: no sample ring from the runtime appeared in " + ring_dir_ +
                  " (is AWS_LAMBDA_EXEC_WRAPPER=/opt/lambdascope-wrapper set, or does a custom runtime's "
                  "bootstrap exec the wrapper? A static binary, a Go one say, cannot take the agent: what it "
                  "writes "
                  "into the inbox is still stored, docs/inbox.md)");
      warned_no_agent_ = true;
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.skipped_no_agent;
      return;
    }
    follower_.discard_through(w.end_ns);
    if (skip != nullptr) {
      Log::debug(std::string("invocation ") + w.request_id + " not kept (" + skip + ")");
      return;
    }
    std::vector<std::string> comments;
    if (spool_ != nullptr) {
      if (uint64_t dropped = spool_->take_dropped(); dropped != 0) {
        comments.push_back(std::to_string(dropped) + " profiles dropped from the spool");
        Log::info(std::to_string(dropped) + " profiles dropped from the spool " + spool_->dir() +
                  " before this one (see earlier lines for why)");
      }
    }
    uint64_t follower_drops = follower_.stats().samples_dropped;
    if (follower_drops > reported_follower_drops_) {
      comments.push_back(std::to_string(follower_drops - reported_follower_drops_) +
                         " samples dropped: the extension's sample buffer was full");
      reported_follower_drops_ = follower_drops;
    }
    SteadyClock::time_point symbolize_by;
    {
      std::lock_guard<std::mutex> lock(mu_);
      symbolize_by = symbolize_by_;
    }
    StoredProfile sp = writer_.write(w, slices, comments, symbolize_by);
    const int64_t cpu_written = thread_cpu_us();
    if (sp.unsymbolized != 0)
      Log::info("profile of " + (w.phase == Phase::kInit ? "the init phase" : "invocation " + w.request_id) +
                ": " + std::to_string(sp.unsymbolized) + " of " + std::to_string(sp.frames) +
                " frames left unnamed (symbolizing stopped at the deadline; saved with their addresses, "
                "mappings and build ids)");
    bool stored = spool_ != nullptr && spool_->add(sp.key, sp.body, sp.metadata);
    if (Log::debug_enabled())
      Log::debug("profile " + sp.key + ": " + std::to_string(sp.samples) + " samples, " +
                 std::to_string(sp.body.size()) + " bytes" + (w.note.empty() ? "" : " (" + w.note + ")") +
                 "; CPU: cut " + std::to_string(cpu_cut - cpu_start) + " us, build and encode " +
                 std::to_string(cpu_written - cpu_cut) + " us, spool " +
                 std::to_string(thread_cpu_us() - cpu_written) + " us");
    std::lock_guard<std::mutex> lock(mu_);
    if (stored) {
      ++stats_.written;
      if (sp.unsymbolized != 0) ++stats_.partly_unsymbolized;
      stats_.samples += sp.samples;
      stats_.bytes += sp.body.size();
    } else {
      ++stats_.failed;
    }
  } catch (const std::exception& e) {
    Log::info(std::string("cannot write the profile of ") +
              (w.phase == Phase::kInit ? "the init phase" : "invocation " + w.request_id) + ": " + e.what());
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.failed;
  }
}

}  // namespace lambdascope::lambda::extension
