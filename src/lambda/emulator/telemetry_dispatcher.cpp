#include "lambda/emulator/telemetry_dispatcher.hpp"

#include <httplib.h>

#include <algorithm>

#include "lambda/common/ids.hpp"
#include "lambda/common/json.hpp"

namespace lambdascope::lambda {

namespace {

// A subscriber that cannot keep up loses events once this many batches' worth are waiting; Lambda drops
// under back-pressure too and says so with platform.logsDropped.
constexpr size_t kBacklogBatches = 4;
constexpr int kMaxAttempts = 5;
constexpr auto kFirstBackoff = std::chrono::milliseconds(50);

}  // namespace

struct TelemetryDispatcher::Subscriber {
  TelemetrySubscription config;
  std::deque<std::string> queue;
  size_t queued_bytes = 0;
  std::chrono::steady_clock::time_point first_queued{};
  uint64_t dropped_records = 0, dropped_bytes = 0;
  bool stop = false;
  std::thread thread;
};

TelemetryDispatcher::TelemetryDispatcher() = default;
TelemetryDispatcher::~TelemetryDispatcher() {
  clear();
}

void TelemetryDispatcher::open_window() {
  std::lock_guard<std::mutex> lock(mu_);
  window_open_ = true;
  backlog_.clear();
}

void TelemetryDispatcher::close_window() {
  std::lock_guard<std::mutex> lock(mu_);
  window_open_ = false;
  backlog_.clear();
}

bool TelemetryDispatcher::subscribe(const TelemetrySubscription& config) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!window_open_) return false;
  // A second subscription from the same extension replaces the first, as a re-PUT does on Lambda.
  for (auto& s : subscribers_) {
    if (s->config.agent_name == config.agent_name) {
      s->config = config;
      return true;
    }
  }
  auto s = std::make_unique<Subscriber>();
  s->config = config;
  for (const auto& [category, json] : backlog_) {
    if (config.types.count(category)) enqueue_locked(*s, json);
  }
  Subscriber* raw = s.get();
  subscribers_.push_back(std::move(s));
  raw->thread = std::thread([this, raw] { run(raw); });
  return true;
}

void TelemetryDispatcher::enqueue_locked(Subscriber& s, const std::string& json) {
  if (s.queue.empty()) s.first_queued = std::chrono::steady_clock::now();
  s.queue.push_back(json);
  s.queued_bytes += json.size();
  size_t limit_bytes = s.config.max_bytes * kBacklogBatches;
  size_t limit_items = s.config.max_items * kBacklogBatches;
  while (s.queue.size() > 1 && (s.queued_bytes > limit_bytes || s.queue.size() > limit_items)) {
    s.dropped_records++;
    s.dropped_bytes += s.queue.front().size();
    s.queued_bytes -= s.queue.front().size();
    s.queue.pop_front();
  }
}

void TelemetryDispatcher::publish(const std::string& category, const std::string& json) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (window_open_) backlog_.emplace_back(category, json);
    for (auto& s : subscribers_) {
      if (s->config.types.count(category)) enqueue_locked(*s, json);
    }
  }
  cv_.notify_all();
}

void TelemetryDispatcher::run(Subscriber* s) {
  std::unique_ptr<httplib::Client> client;
  std::string client_host;
  int client_port = 0;
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t seen_flush = flush_epoch_;
  while (!s->stop) {
    if (s->dropped_records > 0 && s->config.types.count("platform")) {
      std::string record = JsonObject()
                               .num("droppedBytes", s->dropped_bytes)
                               .num("droppedRecords", s->dropped_records)
                               .str("reason",
                                    "Consumer seems to have fallen behind as it has not acknowledged "
                                    "receipt of logs.")
                               .done();
      s->dropped_records = s->dropped_bytes = 0;
      std::string event = JsonObject()
                              .str("time", iso8601_ms(epoch_ms_now()))
                              .str("type", "platform.logsDropped")
                              .raw("record", record)
                              .done();
      enqueue_locked(*s, event);
    }
    bool full = s->queue.size() >= s->config.max_items || s->queued_bytes >= s->config.max_bytes;
    auto due = s->first_queued + s->config.timeout;
    bool flushing = flush_epoch_ != seen_flush;
    if (paused_ || s->queue.empty() || (!full && !flushing && std::chrono::steady_clock::now() < due)) {
      if (s->queue.empty()) seen_flush = flush_epoch_;
      if (!paused_ && !s->queue.empty()) {
        cv_.wait_until(lock, due);
      } else {
        cv_.wait(lock);
      }
      continue;
    }
    // One batch: up to maxItems events and about maxBytes (Lambda's payloads may exceed maxBytes by one
    // event; an event is never split).
    std::vector<std::string> batch;
    size_t bytes = 0;
    while (!s->queue.empty() && batch.size() < s->config.max_items &&
           (batch.empty() || bytes + s->queue.front().size() <= s->config.max_bytes)) {
      bytes += s->queue.front().size();
      batch.push_back(std::move(s->queue.front()));
      s->queue.pop_front();
    }
    s->queued_bytes -= bytes;
    if (!s->queue.empty()) s->first_queued = std::chrono::steady_clock::now();
    const TelemetrySubscription config = s->config;
    ++in_flight_;
    lock.unlock();

    std::string body = json_array(batch);
    bool delivered = false;
    auto backoff = kFirstBackoff;
    for (int attempt = 0; attempt < kMaxAttempts && !delivered; ++attempt) {
      if (!client || client_host != config.host || client_port != config.port) {
        client = std::make_unique<httplib::Client>(config.host, config.port);
        client_host = config.host;
        client_port = config.port;
        // One connection per batch: an extension stopping its listener (httplib, for one) would otherwise
        // wait for our idle keep-alive connection to time out, past its SHUTDOWN deadline.
        client->set_keep_alive(false);
        client->set_tcp_nodelay(true);
        client->set_connection_timeout(std::chrono::seconds(1));
        client->set_read_timeout(std::chrono::seconds(5));
        client->set_write_timeout(std::chrono::seconds(5));
      }
      auto res = client->Post(config.path, body, "application/json");
      delivered = res && res->status >= 200 && res->status < 300;
      if (!delivered) {
        client.reset();  // reconnect next time
        std::unique_lock<std::mutex> wait_lock(mu_);
        if (s->stop) break;
        cv_.wait_for(wait_lock, backoff, [&] { return s->stop; });
        backoff *= 2;
      }
    }

    lock.lock();
    --in_flight_;
    if (!delivered) {
      s->dropped_records += batch.size();
      s->dropped_bytes += bytes;
    }
    cv_.notify_all();
  }
}

void TelemetryDispatcher::pause(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(mu_);
  paused_ = true;
  cv_.wait_for(lock, max_wait, [&] { return in_flight_ == 0; });
}

void TelemetryDispatcher::resume() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = false;
  }
  cv_.notify_all();
}

void TelemetryDispatcher::flush(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  ++flush_epoch_;
  cv_.notify_all();
  cv_.wait_until(lock, deadline, [&] {
    if (in_flight_ > 0) return false;
    return std::all_of(subscribers_.begin(), subscribers_.end(),
                       [](const auto& s) { return s->queue.empty(); });
  });
}

void TelemetryDispatcher::clear() {
  std::vector<std::unique_ptr<Subscriber>> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& s : subscribers_) s->stop = true;
    old.swap(subscribers_);
  }
  cv_.notify_all();
  for (auto& s : old) {
    if (s->thread.joinable()) s->thread.join();
  }
}

size_t TelemetryDispatcher::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subscribers_.size();
}

}  // namespace lambdascope::lambda
