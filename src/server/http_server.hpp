// `lambdascope serve`'s HTTP server (cpp-httplib): the HTML shell of the web UI on the page routes, the JSON
// API under /api, /metrics. Binds 127.0.0.1 unless told otherwise; refuses requests whose Host header is not
// the bound address or localhost (DNS rebinding); sends no CORS headers; never writes into a store and never
// opens a path taken from a request (names resolve through the listing only).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lambdascope::server {

struct ServeOptions {
  std::vector<std::string> sources;
  std::string host = "127.0.0.1";
  int port = 8420;  // 0: any free port
  size_t cache_mb = 256;
  unsigned jobs = 8;  // parallel fetches of stored profiles
};

class HttpServer {
 public:
  // Opens the sources and lists them. Throws std::invalid_argument or store::StoreError.
  explicit HttpServer(const ServeOptions& options);
  ~HttpServer();
  // Binds the socket; returns the port. Throws std::runtime_error when it cannot.
  int bind();
  std::string url() const;
  // Serves until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when the host is a loopback address or name (no warning is needed).
bool is_loopback_host(const std::string& host);

}  // namespace lambdascope::server
