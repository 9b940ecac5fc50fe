#include "lambda/extension/telemetry_listener.hpp"

#include <httplib.h>
#include <netdb.h>
#include <pthread.h>

#include <chrono>

#include "lambda/extension/log.hpp"

namespace lambdascope::lambda::extension {

namespace {

bool resolves(const char* host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host, nullptr, &hints, &res) != 0) return false;
  ::freeaddrinfo(res);
  return true;
}

// httplib's task queue that runs each connection's task where it is enqueued: on the listening thread.
class OnListeningThread : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

TelemetryListener::TelemetryListener(Callback callback) : callback_(std::move(callback)) {}

TelemetryListener::~TelemetryListener() {
  stop();
}

int TelemetryListener::start(std::string* error) {
  server_ = std::make_unique<httplib::Server>();
  server_->set_tcp_nodelay(true);
  // One request per connection. An HTTP/1.1 sender keeps its connection open between deliveries by
  // default, and httplib (0.11) waits on an idle kept-alive connection by waking every 11 ms for up to 5 s:
  // some 90 wakes a second of the sandbox's CPU while an invocation runs (about 40 us each on Firecracker),
  // more than a new connection per delivery costs (a few per invocation); and stop() waits for that 5 s,
  // past SHUTDOWN's 2 s deadline.
  server_->set_keep_alive_max_count(1);
  // Each delivery is handled on the listening thread itself, not handed to httplib's pool (eight threads
  // here): Lambda delivers one batch at a time, a hand-off is one more wake per delivery, and every idle
  // thread costs the sandbox a wake at each freeze and each thaw (a frozen process's threads are each woken
  // to stop, and again to go on), some 37 us per thread and invocation in `local`.
  server_->new_task_queue = [] { return new OnListeningThread; };
  server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    TelemetryBatch batch = parse_telemetry(req.body);
    if (!batch.error.empty()) Log::info("telemetry delivery ignored: " + batch.error);
    if (batch.skipped != 0)
      Log::info("telemetry: " + std::to_string(batch.skipped) + " malformed events skipped");
    try {
      callback_(batch);
    } catch (const std::exception& e) {
      Log::info(std::string("telemetry: ") + e.what());
    }
    res.status = 200;
  });
  const char* host = resolves("sandbox.localdomain") ? "0.0.0.0" : "127.0.0.1";
  int port = server_->bind_to_any_port(host);
  if (port <= 0) {
    *error = std::string("cannot bind a telemetry listener on ") + host;
    return 0;
  }
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "ls-telemetry");
    server_->listen_after_bind();
  });
  return port;
}

void TelemetryListener::stop() {
  if (!server_ || !thread_.joinable()) return;
  // httplib's stop() does nothing until listening has begun, and a listen that begins after it never ends:
  // wait for it (bounded) so that the join cannot hang the extension's init.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  bool started = server_->is_running();
  server_->stop();
  if (started) {
    thread_.join();
  } else {
    thread_.detach();         // never began listening: leave it rather than wait for it forever
    (void)server_.release();  // and the server it uses with it
  }
}

}  // namespace lambdascope::lambda::extension
