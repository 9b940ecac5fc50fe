#include "lambda/extension/extension.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "lambda/common/ids.hpp"
#include "lambda/extension/background_writer.hpp"
#include "lambda/extension/extensions_client.hpp"
#include "lambda/extension/inbox_watcher.hpp"
#include "lambda/extension/log.hpp"
#include "lambda/extension/profile_writer.hpp"
#include "lambda/extension/ring_follower.hpp"
#include "lambda/extension/telemetry_listener.hpp"
#include "lambda/extension/window_cutter.hpp"
#include "store/destination.hpp"
#include "store/spool.hpp"

namespace lambdascope::lambda::extension {

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// At SHUTDOWN, what moving the last profiles from the spool to a directory may take.
constexpr milliseconds kLocalFlushReserve(50);

// How long Lambda may hold platform events before it delivers them. FLUSH=invoke writes the profile
// before /event/next, so it needs runtimeDone at once: 25 ms, the shortest Lambda accepts. Otherwise the
// profile is written after the invocation whenever its events come, and Lambda's default of 1 s lets
// platform.start ride with the batch that ends the invocation (it comes at the next thaw) instead of
// waking the extension 25 ms into the function's run: one delivery, and one connection, per invocation
// instead of two (docs/lambda-extension.md).
int telemetry_buffer_ms(FlushMode flush) {
  return flush == FlushMode::kInvoke ? 25 : 1000;
}

// How long a window whose end is known waits for the events still missing (its report; its runtimeDone,
// when the next INVOKE came first): they may be held the whole buffering time, in another batch.
milliseconds report_grace(FlushMode flush) {
  return milliseconds(telemetry_buffer_ms(flush) + 200);
}

// A Unix-ms deadline as a steady-clock instant (wall-clock steps cannot stretch it), `fallback` from now
// when Lambda gave none.
SteadyClock::time_point steady_deadline(int64_t deadline_ms, milliseconds fallback) {
  auto now = SteadyClock::now();
  if (deadline_ms <= 0) return now + fallback;
  return now + milliseconds(deadline_ms - epoch_ms_now());
}

// VmHWM of this process, for the SHUTDOWN line: the extension's memory counts against the function's.
std::string peak_rss_mb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return "?";
  char line[256];
  std::string out = "?";
  while (std::fgets(line, sizeof line, f) != nullptr) {
    long kb = 0;
    if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(kb) / 1024);
      out = buf;
    }
  }
  std::fclose(f);
  return out;
}

// CPU time of this process so far, for the SHUTDOWN line: it comes out of the function's CPU share.
std::string cpu_ms() {
  rusage u{};
  if (::getrusage(RUSAGE_SELF, &u) != 0) return "?";
  auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", ms(u.ru_utime) + ms(u.ru_stime));
  return buf;
}

std::string sandbox_id() {
  std::string id = new_uuid();
  std::string out;
  for (char c : id)
    if (c != '-') out += c;
  return out.substr(0, 16);
}

// Everything the extension does once registered; separate so that a failure to set up profiling leaves a
// registered extension that just keeps calling /event/next.
class Profiler {
 public:
  Profiler(const ExtensionConfig& config, ExtensionsClient& client)
      : config_(config),
        client_(client),
        sandbox_(sandbox_id()),
        follower_({.dir = config.ring_dir}),
        cutter_(report_grace(config.flush)),
        writer_(config.function_name, sandbox_) {
    writer_.set_keep_idle_threads(config.keep_idle_threads);
    writer_.set_default_mode(config.mode_hint == "cpu" ? agent::ring::Mode::kCpu : agent::ring::Mode::kWall);
    writer_.set_python_interpreter_frames(config.python_interpreter_frames);
  }

  void setup() {
    follower_.start();
    Log::debug("sandbox " + sandbox_ + ", rings in " + config_.ring_dir + ", flush " +
               flush_mode_name(config_.flush));

    // The writer first: telemetry wakes it as soon as the subscription delivers.
    open_outputs();
    BackgroundWriter::Options wo;
    wo.sample_rate = config_.sample_rate;
    wo.min_duration_ms = config_.min_duration_ms;
    wo.ring_dir = config_.ring_dir;
    writer_thread_ = std::make_unique<BackgroundWriter>(wo, cutter_, follower_, writer_, spool_.get());
    writer_thread_->start();
    inbox_ = std::make_unique<InboxWatcher>(
        config_.inbox_dir, InboxObjectIds{config_.function_name, sandbox_, ""}, spool_.get(), epoch_ns_now());
    inbox_->start();

    listener_ = std::make_unique<TelemetryListener>([this](const TelemetryBatch& batch) {
      ++deliveries_;
      for (const TelemetryEvent& e : batch.events) {
        cutter_.on_telemetry(e);
        if (e.type == "platform.runtimeDone") inbox_->on_runtime_done(e.request_id);
      }
      writer_thread_->wake();
    });
    std::string error;
    int port = listener_->start(&error);
    bool telemetry = false;
    if (port == 0) {
      Log::info("telemetry: " + error + "; profiles will span INVOKE to INVOKE");
    } else {
      std::string detail;
      switch (client_.subscribe_telemetry(port, telemetry_buffer_ms(config_.flush), &detail)) {
        case TelemetrySubscription::kSubscribed:
          telemetry = true;
          Log::debug("telemetry: subscribed on port " + std::to_string(port));
          break;
        case TelemetrySubscription::kNotSupported:
          Log::info("the Telemetry API is not supported here (" + detail +
                    "); profiles will span INVOKE to the next INVOKE and are marked window=invoke-to-invoke");
          break;
        case TelemetrySubscription::kRefused:
          Log::info("telemetry subscription refused (" + detail +
                    "); profiles will span INVOKE to the next INVOKE and are marked window=invoke-to-invoke");
          break;
      }
      if (!telemetry) listener_->stop();
    }
    cutter_.set_telemetry(telemetry);
  }

  void on_invoke(const LifecycleEvent& e) {
    int64_t receipt = epoch_ns_now();
    cutter_.on_invoke(e.request_id, receipt, e.deadline_ms);
    writer_thread_->wake();
    inbox_->on_invoke(e.request_id, receipt);
    if (config_.flush != FlushMode::kInvoke) return;
    // FLUSH=invoke: this invocation's profile is written and sent before /event/next, leaving 100 ms of
    // the function's deadline (a late /next would turn into a timeout).
    auto deadline = steady_deadline(e.deadline_ms, milliseconds(3000)) - milliseconds(100);
    if (cutter_.telemetry()) {
      if (!cutter_.wait_for_end(e.request_id, deadline))
        Log::info("invocation " + e.request_id + ": no platform.runtimeDone before the deadline");
      cutter_.release(e.request_id);
      inbox_->on_runtime_done(e.request_id);  // what the runtime dropped in the inbox goes with it
      inbox_->drain(deadline);
    }
    // (Without telemetry the previous invocation has just ended: its window is what is ready now.)
    writer_thread_->drain(deadline);
    if (spool_) spool_->flush(deadline);
  }

  void on_shutdown(const LifecycleEvent& e) {
    int64_t receipt = epoch_ns_now();
    auto budget_end = steady_deadline(e.deadline_ms, milliseconds(1800));
    // Exit before Lambda's SIGKILL, with room for the process to end.
    auto finish_by = budget_end - milliseconds(150);
    auto now = SteadyClock::now();
    const auto received = now;
    Log::debug("SHUTDOWN (" + e.shutdown_reason + "), " +
               std::to_string(std::chrono::duration_cast<milliseconds>(budget_end - now).count()) +
               " ms to go");
    writer_thread_->raise_priority();
    // No time left at all (a budget under the exit margin): write nothing, count everything.
    bool out_of_time = now >= finish_by;
    if (out_of_time) writer_thread_->pause();
    // The last invocation's runtimeDone and report may still be on their way.
    if (cutter_.telemetry() && !out_of_time)
      cutter_.wait_settled(std::min(now + milliseconds(300), now + (finish_by - now) / 4),
                           e.shutdown_reason == "spindown" || e.shutdown_reason.empty());
    if (Log::debug_enabled()) Log::debug("SHUTDOWN: windows not yet written: " + cutter_.describe_open());
    // LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS caps symbolizing before the last windows become ready.
    auto symbolize_cap =
        config_.shutdown_symbolize_ms < 0
            ? SteadyClock::time_point::max()
            : received + std::chrono::duration_cast<SteadyClock::duration>(
                             std::chrono::duration<double, std::milli>(config_.shutdown_symbolize_ms));
    writer_thread_->set_symbolize_deadline(symbolize_cap);
    cutter_.on_shutdown(receipt);
    // The budget by need: sending to S3 gets half of what is left, a directory needs next to nothing.
    now = SteadyClock::now();
    auto reserve = std::clamp<SteadyClock::duration>((finish_by - now) / 10, SteadyClock::duration::zero(),
                                                     kLocalFlushReserve);
    auto write_by = remote_ ? now + (finish_by - now) / 2 : finish_by - reserve;
    // Symbolizing gets three quarters of the writing time; after that what is left is written with its
    // addresses unnamed, so a slow symbolization costs names, not windows.
    writer_thread_->set_symbolize_deadline(std::min(symbolize_cap, write_by - (write_by - now) / 4));
    bool all_written = !out_of_time && writer_thread_->drain(write_by);
    if (!out_of_time && !inbox_->finish(write_by))
      Log::info("SHUTDOWN: profiles from the inbox " + inbox_->dir() +
                " not all stored by the writing deadline");
    if (!all_written && !out_of_time)
      Log::info("SHUTDOWN: " + std::to_string(writer_thread_->unsaved()) +
                " windows not yet written at the writing deadline (written oldest first; still trying)");
    size_t left = 0;
    if (spool_) left = spool_->flush(finish_by);
    // Rings that still hold a window not saved stay (on Lambda the sandbox ends anyway; locally, and for a
    // reader after us, the samples are not thrown away).
    writer_thread_->pause();
    size_t unsaved = writer_thread_->unsaved();
    follower_.remove_finished_rings(/*discard_unclaimed=*/unsaved == 0);
    if (unsaved == 0) follower_.withdraw();  // a runtime still exiting removes its own ring now
    // Empty folders of ours go (rmdir only: anything left in them stays for the next start). Their parents
    // (/tmp/lambdascope-rings, -spool) stay: another sandbox here may be creating its folder in one.
    if (config_.default_ring_dir) ::rmdir(config_.ring_dir.c_str());
    if (config_.default_spool_dir && left == 0) ::rmdir(config_.spool_dir.c_str());
    WriterStats ws = writer_thread_->stats();
    std::string sent = spool_ ? std::to_string(spool_->stats().sent) : "0";
    Log::info(
        "SHUTDOWN (" + (e.shutdown_reason.empty() ? std::string("?") : e.shutdown_reason) +
        "): " + std::to_string(ws.written) + " profiles written, " + sent + " sent to " + destination_ +
        (left ? ", " + std::to_string(left) + " left in the spool" : "") +
        (ws.skipped_sample_rate + ws.skipped_min_duration
             ? ", " + std::to_string(ws.skipped_sample_rate + ws.skipped_min_duration) +
                   " not kept by sampling"
             : "") +
        (ws.failed ? ", " + std::to_string(ws.failed) + " failed" : "") + inbox_summary() +
        (ws.partly_unsymbolized
             ? ", " + std::to_string(ws.partly_unsymbolized) + " with frames left unnamed (out of time)"
             : "") +
        (unsaved ? ", " + std::to_string(unsaved) + " windows dropped: not written before the deadline"
                 : "") +
        "; " +
        std::to_string(std::chrono::duration_cast<milliseconds>(SteadyClock::now() - received).count()) +
        " ms of the " +
        std::to_string(std::chrono::duration_cast<milliseconds>(budget_end - received).count()) +
        " ms before the deadline; peak memory " + peak_rss_mb() + " MB, CPU " + cpu_ms() + " ms" +
        (cutter_.telemetry() ? ", " + std::to_string(deliveries_.load()) + " telemetry deliveries" : ""));
  }

 private:
  // ", 4 from the inbox (1 not a profile)": only when the runtime used the inbox.
  std::string inbox_summary() const {
    InboxStats s = inbox_->stats();
    if (s.stored + s.bad + s.failed + s.abandoned == 0) return "";
    std::string out = ", " + std::to_string(s.stored) + " from the inbox";
    std::string why;
    auto add = [&](uint64_t n, const char* what) {
      if (n) why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    add(s.bad, "not a profile");
    add(s.failed, "failed");
    add(s.abandoned, "left half-written");
    return why.empty() ? out : out + " (" + why + ")";
  }

  void open_outputs() {
    store::Destination destination;
    try {
      destination = store::parse_destination(config_.destination);
    } catch (const std::exception& e) {
      Log::info(std::string("LAMBDASCOPE_DESTINATION: ") + e.what() + "; using file:///tmp/lambdascope");
      destination = store::parse_destination("file:///tmp/lambdascope");
    }
    try {
      sink_ = store::open_sink(destination);
      remote_ = destination.scheme != "file";
    } catch (const std::exception& e) {
      Log::info(std::string("cannot open the destination: ") + e.what() + "; using file:///tmp/lambdascope");
      try {
        sink_ = store::open_sink(store::parse_destination("file:///tmp/lambdascope"));
      } catch (const std::exception& e2) {
        Log::info(std::string("cannot open file:///tmp/lambdascope either: ") + e2.what() +
                  "; no profiles will be stored");
        return;
      }
    }
    destination_ = sink_->describe();
    store::SpoolOptions so;
    so.dir = config_.spool_dir;
    so.max_bytes = config_.spool_bytes;
    so.drain = config_.flush != FlushMode::kShutdown;
    so.direct = !remote_;  // a directory: written from the writer's thread while nothing waits
    so.log = [](const std::string& line) { Log::info(line); };
    so.drainer_setup = [] { ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10); };
    try {
      spool_ = std::make_unique<store::Spool>(so, *sink_);
      spool_->start();
    } catch (const std::exception& e) {
      Log::info(std::string("cannot use the spool: ") + e.what() + "; no profiles will be stored");
      spool_.reset();
    }
    Log::debug("destination " + destination_ + ", spool " + config_.spool_dir);
  }

  const ExtensionConfig& config_;
  ExtensionsClient& client_;
  std::string sandbox_;
  RingFollower follower_;
  WindowCutter cutter_;
  ProfileWriter writer_;
  std::unique_ptr<TelemetryListener> listener_;
  std::atomic<uint64_t> deliveries_{0};  // telemetry batches received (each a connection and a wake)
  std::unique_ptr<store::Sink> sink_;
  std::unique_ptr<store::Spool> spool_;
  std::unique_ptr<BackgroundWriter> writer_thread_;
  std::unique_ptr<InboxWatcher> inbox_;
  std::string destination_ = "(none)";
  bool remote_ = false;  // the sink sends over the network (S3): SHUTDOWN keeps time for sending
};

}  // namespace

int run_extension(ExtensionConfig config) {
  // A write to a connection the platform closed must be an error, not the end of the process.
  ::signal(SIGPIPE, SIG_IGN);
  Log::set_debug(config.debug);
  for (const std::string& w : config.warnings) Log::info(w);
  if (config.runtime_api.empty()) {
    Log::info(
        "AWS_LAMBDA_RUNTIME_API is not set: `lambdascope extension` runs inside Lambda (or `lambdascope "
        "local`), started from the extensions folder");
    return 2;
  }

  ExtensionsClient client(config.runtime_api);
  std::string error;
  if (!client.register_extension(config.name, &error)) {
    Log::info("cannot register the extension '" + config.name + "': " + error);
    return 1;
  }
  Log::debug("registered as '" + config.name + "'");

  std::unique_ptr<Profiler> profiler;
  if (config.enabled) {
    try {
      profiler = std::make_unique<Profiler>(config, client);
      profiler->setup();
    } catch (const std::exception& e) {
      Log::info(std::string("profiling is off for this sandbox: ") + e.what());
      profiler.reset();
    }
  } else {
    Log::debug("LAMBDASCOPE_ENABLED=0: not profiling");
  }

  int failures = 0;
  for (;;) {
    LifecycleEvent e = client.next();
    switch (e.type) {
      case LifecycleEvent::Type::kInvoke:
        failures = 0;
        if (profiler) {
          try {
            profiler->on_invoke(e);
          } catch (const std::exception& ex) {
            Log::info(std::string("INVOKE: ") + ex.what());
          }
        }
        break;
      case LifecycleEvent::Type::kShutdown:
        if (profiler) {
          try {
            profiler->on_shutdown(e);
          } catch (const std::exception& ex) {
            Log::info(std::string("SHUTDOWN: ") + ex.what());
          }
        }
        std::fflush(nullptr);
        // No orderly teardown: a drainer may be blocked in a put past the deadline; exiting is what
        // SHUTDOWN asks for, and the spool keeps what was not sent.
        std::_Exit(0);
      case LifecycleEvent::Type::kUnknown:
        Log::info("unexpected answer from /event/next: " + e.error);
        if (++failures >= 5) {
          Log::info("giving up after 5 failed calls to /event/next");
          std::fflush(nullptr);
          std::_Exit(1);
        }
        std::this_thread::sleep_for(milliseconds(100 * failures));
        break;
    }
  }
}

}  // namespace lambdascope::lambda::extension
