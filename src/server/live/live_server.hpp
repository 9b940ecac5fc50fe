// The HTTP side of live export: serves a LiveAggregator on 127.0.0.1 (by default) with cpp-httplib.
//   GET /metrics                       Prometheus text 0.0.4, or OpenMetrics when the Accept header asks
//   GET /debug/pprof/profile?seconds=N gzip'd pprof of the next N seconds (default 30), as net/http/pprof
//   GET /flamegraph.json?seconds=N     nested-set rows of the last N seconds (default 60) for Grafana
//   GET /                              the live flame graph page
// Requests only read the aggregator; a bad one gets a 400 with one line and never touches the profiled
// program.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "server/live/live_aggregator.hpp"

namespace httplib {
class Server;
}

namespace lambdascope::live {

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
};
// "[ADDR:]PORT"; throws std::invalid_argument with what was expected.
ListenAddress parse_listen_address(std::string_view spec);

double unix_now();  // seconds, CLOCK_REALTIME

class LiveServer {
 public:
  // `title`: what the live page calls the program; `clock`: Unix seconds (tests may drive it).
  LiveServer(LiveAggregator& aggregator, std::string title, std::function<double()> clock = unix_now);
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  // Binds and serves from a thread of its own; returns the port. Throws std::runtime_error when it cannot
  // bind.
  int start(const ListenAddress& address);
  // Wakes waiting pprof requests (they answer with what they have) and stops serving.
  void stop();

  static constexpr int kDefaultProfileSeconds = 30;
  static constexpr int kDefaultFlamegraphSeconds = 60;

 private:
  void routes();
  // Waits `seconds` (or until stop()); false when stopped early.
  bool wait_for(double seconds);

  LiveAggregator& aggregator_;
  std::string title_;
  std::function<double()> clock_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopping_ = false;
};

}  // namespace lambdascope::live
