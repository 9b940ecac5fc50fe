// Telemetry API delivery (2022-07-01): each subscriber gets the events of the types it asked for, buffered
// per its `buffering` settings (a batch goes out when it reaches maxItems or maxBytes, or timeoutMs after its
// first event) and POSTed as one JSON array to its destination, from a thread of its own, so a slow
// extension delays nobody else.
//
// Like Lambda: events from the start of init are kept until the subscription window closes, so an
// extension that subscribes during init still receives platform.initStart; nothing is delivered while the
// sandbox is frozen (the batch waits for the thaw); failed deliveries are retried with backoff, and what a
// subscriber cannot take is dropped and reported with a platform.logsDropped event.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lambdascope::lambda {

struct TelemetrySubscription {
  std::string agent_name;
  std::set<std::string> types;  // "platform", "function", "extension"
  size_t max_items = 10000;
  size_t max_bytes = 262144;
  std::chrono::milliseconds timeout{1000};
  std::string host;  // already resolved: sandbox / sandbox.localdomain are 127.0.0.1 here
  int port = 0;
  std::string path = "/";
};

class TelemetryDispatcher {
 public:
  TelemetryDispatcher();
  ~TelemetryDispatcher();
  TelemetryDispatcher(const TelemetryDispatcher&) = delete;
  TelemetryDispatcher& operator=(const TelemetryDispatcher&) = delete;

  // The subscription window: open during init (events are kept for late subscribers), closed after.
  void open_window();
  void close_window();
  // False when the window is closed.
  bool subscribe(const TelemetrySubscription& s);
  // `category` is the subscription type the event belongs to; `json` the whole event object.
  void publish(const std::string& category, const std::string& json);

  // Freeze support: pause() waits (at most `max_wait`) for deliveries in flight, then holds new ones until
  // resume(); an extension must not be stopped halfway through answering a POST.
  void pause(std::chrono::milliseconds max_wait = std::chrono::milliseconds(250));
  void resume();
  // Delivers what is buffered without waiting for the batching timeout; returns when everything is
  // delivered or given up, or at `deadline`.
  void flush(std::chrono::steady_clock::time_point deadline);
  // Forgets every subscriber (their extensions are gone): stops their threads, drops their buffers.
  void clear();
  size_t subscriber_count() const;

 private:
  struct Subscriber;
  void run(Subscriber* s);
  void enqueue_locked(Subscriber& s, const std::string& json);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
  std::vector<std::pair<std::string, std::string>> backlog_;  // (category, json) since open_window()
  bool window_open_ = false;
  bool paused_ = false;
  int in_flight_ = 0;
  uint64_t flush_epoch_ = 0;
};

}  // namespace lambdascope::lambda
