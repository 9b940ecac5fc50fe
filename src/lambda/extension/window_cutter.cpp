#include "lambda/extension/window_cutter.hpp"

#include <algorithm>

namespace lambdascope::lambda::extension {

namespace {

// Telemetry times have millisecond precision (the event happened within the millisecond printed): the end
// of a window extends to the end of its millisecond, so no sample of the handler's last moments is lost.
constexpr int64_t kTelemetryPrecisionNs = 1000000;

}  // namespace

WindowCutter::WindowCutter(std::chrono::milliseconds report_grace) : grace_(report_grace) {
  Window init;
  init.phase = Phase::kInit;
  init.cold_start = true;
  windows_.push_back(init);
}

void WindowCutter::set_telemetry(bool available) {
  std::lock_guard<std::mutex> lock(mu_);
  telemetry_ = available;
}

bool WindowCutter::telemetry() const {
  std::lock_guard<std::mutex> lock(mu_);
  return telemetry_;
}

Window* WindowCutter::find(const std::string& request_id) {
  for (Window& w : windows_)
    if (w.phase == Phase::kInvoke && w.request_id == request_id) return &w;
  return nullptr;
}

Window& WindowCutter::invoke_window(const std::string& request_id, int64_t start_ns) {
  if (Window* w = find(request_id)) {
    w->start_ns = std::min(w->start_ns, start_ns);
    return *w;
  }
  Window w;
  w.phase = Phase::kInvoke;
  w.request_id = request_id;
  w.start_ns = start_ns;
  w.cold_start = !seen_invoke_;
  seen_invoke_ = true;
  windows_.push_back(std::move(w));
  return windows_.back();
}

void WindowCutter::on_invoke(const std::string& request_id, int64_t receipt_ns, int64_t deadline_ms,
                             SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t start_ns = receipt_ns;
  if (!telemetry_ && deadline_ms > 0) {
    // The INVOKE reaches us a scheduling delay after the runtime got its event. Its deadline is the
    // invocation's start plus the function's timeout, both on Lambda's clock, so deadline minus arrival is
    // the timeout minus our delay. A timeout is a whole number of seconds (Lambda sets it in steps of 1 s),
    // so while our delay is under a second the gap rounded up to the second is the timeout itself (less a
    // millisecond first: the deadline is in whole milliseconds). The deadline's millisecond was cut short,
    // so the start lies in the millisecond from deadline minus timeout: its end is taken, never earlier than
    // the start (the previous invocation's last samples can come a few microseconds before it) and at most
    // a millisecond after (the handler's own code begins later than that). A later delay is covered by the
    // largest gap seen; the start is never later than our arrival.
    int64_t gap = deadline_ms * kTelemetryPrecisionNs - receipt_ns;
    constexpr int64_t kSecondNs = 1000000000;
    if (gap > kTelemetryPrecisionNs) {
      int64_t whole = (gap - kTelemetryPrecisionNs + kSecondNs - 1) / kSecondNs * kSecondNs;
      if (whole > timeout_estimate_ns_) timeout_estimate_ns_ = whole;
    }
    if (gap > timeout_estimate_ns_) timeout_estimate_ns_ = gap;
    if (timeout_estimate_ns_ > 0)
      start_ns = std::min(receipt_ns,
                          deadline_ms * kTelemetryPrecisionNs + kTelemetryPrecisionNs - timeout_estimate_ns_);
  }
  if (!telemetry_) {
    // The previous window (init, or the previous invocation) ends where this one begins.
    for (Window& w : windows_) {
      if (w.end_ns != 0) continue;
      w.end_ns = start_ns;
      w.end_known_at = now;
      w.reported = true;  // nothing more will come
      w.invoke_to_invoke = true;
    }
  }
  Window& w = invoke_window(request_id, start_ns);
  w.deadline_ms = deadline_ms;
  w.invoke_to_invoke = !telemetry_;
  cv_.notify_all();
}

void WindowCutter::close_earlier_open(const Window& ended, SteadyClock::time_point now) {
  for (Window& w : windows_) {
    if (&w == &ended) break;
    if (w.end_ns != 0) continue;
    w.end_ns = ended.start_ns;
    w.end_known_at = now;
    w.note = "no end event arrived (lost telemetry?); the window ends where the next invocation began";
  }
}

void WindowCutter::on_telemetry(const TelemetryEvent& e, SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (e.type == "platform.initRuntimeDone") {
    for (Window& w : windows_) {
      if (w.phase != Phase::kInit || w.end_ns != 0) continue;
      w.end_ns = e.time_ns + kTelemetryPrecisionNs;
      w.end_known_at = now;
      w.end_from_telemetry = true;
      w.status = e.status;
      w.error_type = e.error_type;
      w.initialization_type = e.initialization_type;
      cv_.notify_all();
      return;
    }
    ++ignored_;
  } else if (e.type == "platform.initReport") {
    for (Window& w : windows_) {
      if (w.phase != Phase::kInit) continue;
      w.init_duration_ms = e.duration_ms;
      w.reported = true;
      cv_.notify_all();
      return;
    }
    ++ignored_;
  } else if (e.type == "platform.start") {
    if (e.request_id.empty()) return void(++ignored_);
    invoke_window(e.request_id, e.time_ns);
    cv_.notify_all();
  } else if (e.type == "platform.runtimeDone") {
    Window* w = find(e.request_id);
    if (w == nullptr || w->end_from_telemetry) return void(++ignored_);  // before our time, or repeated
    w->end_ns = e.time_ns + kTelemetryPrecisionNs;
    w->end_known_at = now;
    w->end_from_telemetry = true;
    w->note.clear();
    w->status = e.status;
    w->error_type = e.error_type;
    w->runtime_duration_ms = e.duration_ms;
    close_earlier_open(*w, now);
    cv_.notify_all();
  } else if (e.type == "platform.report") {
    Window* w = find(e.request_id);
    if (w == nullptr) return void(++ignored_);
    w->reported = true;
    w->duration_ms = e.duration_ms;
    w->billed_duration_ms = e.billed_duration_ms;
    w->memory_size_mb = e.memory_size_mb;
    w->max_memory_used_mb = e.max_memory_used_mb;
    w->init_duration_ms = e.init_duration_ms;
    if (w->status.empty()) w->status = e.status;
    if (w->error_type.empty()) w->error_type = e.error_type;
    if (w->end_ns == 0) {
      // runtimeDone was lost; the report comes after the extensions' post-runtime time, an upper bound.
      w->end_ns = e.time_ns + kTelemetryPrecisionNs;
      w->end_known_at = now;
      w->note = "no platform.runtimeDone arrived; the window ends at platform.report";
      close_earlier_open(*w, now);
    }
    cv_.notify_all();
  }
}

void WindowCutter::on_shutdown(int64_t receipt_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  for (Window& w : windows_) {
    if (w.end_ns != 0) continue;
    w.end_ns = std::max(receipt_ns, w.start_ns == Window::kFromRingStart ? receipt_ns : w.start_ns);
    if (telemetry_) w.note = "no end event arrived before SHUTDOWN; the window ends at SHUTDOWN";
    w.invoke_to_invoke = w.invoke_to_invoke || !telemetry_;
  }
  cv_.notify_all();
}

std::vector<Window> WindowCutter::take_ready(SteadyClock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  // The caller asks at least every 50 ms while a window waits for its report; a longer gap means the
  // sandbox was frozen (or the caller starved). Time frozen is not time the report had to arrive: telemetry
  // is frozen too.
  if (last_take_ != SteadyClock::time_point{} && now - last_take_ > std::chrono::milliseconds(100)) {
    auto frozen = now - last_take_;
    for (Window& w : windows_)
      // Only windows that were waiting through the gap: one whose end became known since (the caller,
      // which sleeps while nothing waits, was woken for it) has waited for nothing yet.
      if (w.end_ns != 0 && !w.reported && w.end_known_at <= last_take_) w.end_known_at += frozen;
  }
  last_take_ = now;
  std::vector<Window> out;
  while (!windows_.empty()) {
    const Window& w = windows_.front();
    bool ready =
        w.end_ns != 0 && (w.reported || w.released || shutting_down_ || now - w.end_known_at >= grace_);
    if (!ready) break;
    out.push_back(std::move(windows_.front()));
    windows_.pop_front();
  }
  return out;
}

WindowCutter::SteadyClock::time_point WindowCutter::next_grace_deadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto best = SteadyClock::time_point::max();
  for (const Window& w : windows_)
    if (w.end_ns != 0 && !w.reported) best = std::min(best, w.end_known_at + grace_);
  return best;
}

bool WindowCutter::wait_for_end(const std::string& request_id, SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] {
    Window* w = find(request_id);
    return w == nullptr || w->end_ns != 0;
  });
}

void WindowCutter::release(const std::string& request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Window* w = find(request_id)) w->released = true;
}

bool WindowCutter::settled_locked(bool reports) const {
  if (!telemetry_) return true;
  for (const Window& w : windows_) {
    if (w.end_ns == 0) return false;
    if (reports && !w.reported) return false;
  }
  return true;
}

bool WindowCutter::wait_settled(SteadyClock::time_point deadline, bool reports) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return settled_locked(reports); });
}

size_t WindowCutter::open_windows() const {
  std::lock_guard<std::mutex> lock(mu_);
  return windows_.size();
}

std::string WindowCutter::describe_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const Window& w : windows_) {
    out += out.empty() ? "" : "; ";
    out += std::string(phase_name(w.phase)) + (w.request_id.empty() ? "" : " " + w.request_id) +
           (w.end_ns == 0 ? " open" : " ended") + (w.reported ? ", reported" : "") +
           (w.status.empty() ? "" : ", " + w.status);
  }
  return out.empty() ? "none" : out;
}

uint64_t WindowCutter::ignored_events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ignored_;
}

}  // namespace lambdascope::lambda::extension
