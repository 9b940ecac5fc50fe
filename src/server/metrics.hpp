// `/metrics`: the Prometheus text format (version 0.0.4) over the store and the server. Per function and
// phase, from keys alone: the stored profiles and a histogram of their durations. The server's own request
// counts (by endpoint and status class) and cache size. Labels are bounded: function (at most
// kMaxFunctionLabels, the rest as "_other"), phase, endpoint (a fixed list) and code.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/catalog.hpp"
#include "server/profile_cache.hpp"

namespace lambdascope::server {

inline constexpr size_t kMaxFunctionLabels = 500;

// The endpoints requests are counted under; anything else is "other".
inline constexpr std::array<std::string_view, 11> kEndpoints = {
    "/api/functions", "/api/invocations", "/api/files", "/api/profile",
    "/api/diff",      "/api/why-slow",    "/metrics",   "page",
    "other",          "refused",          "/api/health"};

class RequestCounters {
 public:
  // `path` is the request path; `status` its HTTP status.
  void count(std::string_view path, int status);
  int64_t get(size_t endpoint, size_t status_class) const { return counts_[endpoint][status_class]; }
  // A streamed merge stopped because its client went away.
  void count_cancelled() { cancelled_.fetch_add(1, std::memory_order_relaxed); }
  int64_t cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> cancelled_{0};
  std::array<std::array<std::atomic<int64_t>, 6>, kEndpoints.size()> counts_{};  // [endpoint][status / 100]
};

std::string render_metrics(const Listing& listing, const RequestCounters& requests, const ProfileCache& cache,
                           size_t cache_budget_bytes);

}  // namespace lambdascope::server
