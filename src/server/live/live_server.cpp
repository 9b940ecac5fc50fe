#include "server/live/live_server.hpp"

#include <fcntl.h>
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "formats/writers.hpp"
#include "render/nested_set.hpp"
#include "server/live/live_page.hpp"
#include "server/live/metrics_writer.hpp"
#include "server/live/window_param.hpp"

namespace lambdascope::live {

namespace {

// Waiting pprof requests hold a thread each; metrics scrapes must still find one free.
constexpr size_t kServerThreads = 16;

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

void bad_request(httplib::Response& res, const std::string& message) {
  res.status = 400;
  res.set_content(message + "\n", "text/plain; charset=utf-8");
}

}  // namespace

ListenAddress parse_listen_address(std::string_view spec) {
  ListenAddress a;
  std::string_view port = spec;
  if (size_t colon = spec.rfind(':'); colon != std::string_view::npos) {
    a.host = std::string(spec.substr(0, colon));
    port = spec.substr(colon + 1);
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']')
      a.host = a.host.substr(1, a.host.size() - 2);
    if (a.host.empty())
      throw std::invalid_argument("--listen " + std::string(spec) + ": expected [ADDR:]PORT");
  }
  int value = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value < 0 || value > 65535)
    throw std::invalid_argument("--listen " + std::string(spec) +
                                ": expected [ADDR:]PORT with PORT from 0 to 65535");
  a.port = value;
  return a;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

LiveServer::LiveServer(LiveAggregator& aggregator, std::string title, std::function<double()> clock)
    : aggregator_(aggregator),
      title_(std::move(title)),
      clock_(std::move(clock)),
      http_(std::make_unique<httplib::Server>()) {
  http_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port and take half the
  // scrapes; SO_REUSEADDR alone still allows a quick restart. The profiled command is forked from this
  // process: it must not inherit the listening socket.
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
  routes();
}

LiveServer::~LiveServer() {
  stop();
}

int LiveServer::start(const ListenAddress& address) {
  int port = address.port;
  if (port == 0)
    port = http_->bind_to_any_port(address.host);
  else if (!http_->bind_to_port(address.host, port))
    port = -1;
  if (port <= 0)
    throw std::runtime_error("cannot listen on " + address.host + ":" + std::to_string(address.port) +
                             " (address in use, or not an address of this machine)");
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return port;
}

void LiveServer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stopped_cv_.notify_all();
  if (thread_.joinable()) {
    // httplib's stop() does nothing before its loop has started; the loop marks that at once.
    while (!http_->is_running()) std::this_thread::yield();
    http_->stop();
    thread_.join();
  }
}

bool LiveServer::wait_for(double seconds) {
  std::unique_lock lock(mu_);
  return !stopped_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_; });
}

void LiveServer::routes() {
  const int max_seconds = static_cast<int>(aggregator_.options().history_s);

  http_->Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    MetricsFormat format = metrics_format_for(req.get_header_value("Accept"));
    res.set_content(write_metrics(aggregator_.metrics(clock_()), format),
                    std::string(metrics_content_type(format)));
  });

  // As net/http/pprof: the profile of the next N seconds. Concurrent requests read the same buckets.
  http_->Get(
      "/debug/pprof/profile", [this, max_seconds](const httplib::Request& req, httplib::Response& res) {
        std::string error;
        auto seconds = parse_seconds(param(req, "seconds"), kDefaultProfileSeconds, max_seconds, &error);
        if (!seconds) return bad_request(res, error);
        double from = clock_();
        wait_for(*seconds);
        double to = std::min(from + *seconds, clock_());
        // Whole seconds: the buckets are per second.
        res.set_content(formats::write_pprof(aggregator_.window_profile(from, std::floor(to))),
                        "application/octet-stream");
        res.set_header("Content-Disposition", "attachment; filename=\"profile\"");
      });

  http_->Get("/flamegraph.json", [this, max_seconds](const httplib::Request& req, httplib::Response& res) {
    std::string error;
    auto seconds = parse_seconds(param(req, "seconds"), kDefaultFlamegraphSeconds, max_seconds, &error);
    if (!seconds) return bad_request(res, error);
    double now = clock_();
    // The current second's bucket counts: the last N seconds end now.
    auto rows = aggregator_.nested_set(now - *seconds, std::floor(now) + 1, aggregator_.options().max_nodes);
    res.set_content(render::nested_set_json(rows), "application/json");
  });

  http_->Get("/", [this, max_seconds](const httplib::Request& req, httplib::Response& res) {
    std::string error;
    auto seconds = parse_seconds(param(req, "seconds"), kDefaultFlamegraphSeconds, max_seconds, &error);
    if (!seconds) return bad_request(res, error);
    LivePageOptions o;
    o.title = title_;
    o.seconds = *seconds;
    o.paused = req.has_param("paused");
    double now = clock_();
    res.set_content(live_page_html(aggregator_.window_profile(now - o.seconds, std::floor(now) + 1), o),
                    "text/html; charset=utf-8");
  });

  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) res.set_content("not found\n", "text/plain; charset=utf-8");
  });
}

}  // namespace lambdascope::live
