#include "server/metrics.hpp"

#include <fmt/format.h>

#include <map>
#include <vector>

namespace lambdascope::server {

namespace {
// Duration buckets, milliseconds: Lambda runs from a millisecond to 15 minutes.
constexpr std::array<int64_t, 16> kBucketsMs = {1,    5,    10,   25,    50,    100,   250,    500,
                                                1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000};

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

size_t endpoint_of(std::string_view path) {
  for (size_t i = 0; i < kEndpoints.size(); ++i)
    if (path == kEndpoints[i]) return i;
  if (path == "/" || path.starts_with("/f/") || path.starts_with("/why-slow/") || path.starts_with("/i/") ||
      path.starts_with("/file/"))
    return 7;  // page
  return 8;    // other
}

struct Histogram {
  std::array<int64_t, kBucketsMs.size()> buckets{};
  int64_t count = 0;
  double sum = 0;  // seconds
};
}  // namespace

void RequestCounters::count(std::string_view path, int status) {
  size_t e = status == 403 ? 9 : endpoint_of(path);  // refused: the Host check
  size_t c = status >= 100 && status < 600 ? static_cast<size_t>(status / 100) : 5;
  counts_[e][c].fetch_add(1, std::memory_order_relaxed);
}

std::string render_metrics(const Listing& listing, const RequestCounters& requests, const ProfileCache& cache,
                           size_t cache_budget_bytes) {
  std::map<std::pair<std::string, std::string>, Histogram> by;
  size_t functions = 0;
  for (const auto& [function, indices] : listing.by_function) {
    std::string label = ++functions <= kMaxFunctionLabels ? function : "_other";
    for (size_t i : indices) {
      const store::ProfileKey& k = listing.invocations[i].object.profile;
      Histogram& h = by[{label, k.phase}];
      for (size_t b = 0; b < kBucketsMs.size(); ++b)
        if (k.duration_ms <= kBucketsMs[b]) ++h.buckets[b];
      ++h.count;
      h.sum += static_cast<double>(k.duration_ms) / 1000;
    }
  }
  std::string out;
  out +=
      "# HELP lambdascope_store_profiles Profiles in the served stores, by function and phase (from object "
      "keys).\n# TYPE lambdascope_store_profiles gauge\n";
  for (const auto& [key, h] : by)
    out += fmt::format("lambdascope_store_profiles{{function=\"{}\",phase=\"{}\"}} {}\n",
                       label_value(key.first), label_value(key.second), h.count);
  out +=
      "# HELP lambdascope_invocation_duration_seconds Duration of the profiled invocations and inits, from "
      "object keys.\n# TYPE lambdascope_invocation_duration_seconds histogram\n";
  for (const auto& [key, h] : by) {
    std::string labels =
        fmt::format("function=\"{}\",phase=\"{}\"", label_value(key.first), label_value(key.second));
    for (size_t b = 0; b < kBucketsMs.size(); ++b)
      out += fmt::format("lambdascope_invocation_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         static_cast<double>(kBucketsMs[b]) / 1000, h.buckets[b]);
    out +=
        fmt::format("lambdascope_invocation_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, h.count);
    out += fmt::format("lambdascope_invocation_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    out += fmt::format("lambdascope_invocation_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  out += fmt::format(
      "# HELP lambdascope_store_foreign_objects Objects in the stores that are not lambdascope profiles "
      "(skipped).\n# TYPE lambdascope_store_foreign_objects gauge\nlambdascope_store_foreign_objects {}\n",
      listing.foreign_objects);
  out += fmt::format(
      "# HELP lambdascope_serve_listing_refreshes_total Listings published (something new was found) since "
      "the start.\n"
      "# TYPE lambdascope_serve_listing_refreshes_total counter\nlambdascope_serve_listing_refreshes_total "
      "{}\n",
      listing.refreshes);
  out +=
      "# HELP lambdascope_serve_requests_total HTTP requests answered, by endpoint and status class.\n"
      "# TYPE lambdascope_serve_requests_total counter\n";
  for (size_t e = 0; e < kEndpoints.size(); ++e)
    for (size_t c = 1; c < 6; ++c)
      if (int64_t n = requests.get(e, c))
        out += fmt::format("lambdascope_serve_requests_total{{endpoint=\"{}\",code=\"{}xx\"}} {}\n",
                           kEndpoints[e], c, n);
  out += fmt::format(
      "# HELP lambdascope_serve_cancelled_merges_total Streamed merges (progress=1) stopped because the "
      "client "
      "went away.\n# TYPE lambdascope_serve_cancelled_merges_total counter\n"
      "lambdascope_serve_cancelled_merges_total {}\n",
      requests.cancelled());
  out += fmt::format(
      "# HELP lambdascope_serve_cache_bytes Estimated memory held by parsed profiles in the cache.\n"
      "# TYPE lambdascope_serve_cache_bytes gauge\nlambdascope_serve_cache_bytes {}\n"
      "# HELP lambdascope_serve_cache_budget_bytes The cache's budget (--cache-mb).\n"
      "# TYPE lambdascope_serve_cache_budget_bytes gauge\nlambdascope_serve_cache_budget_bytes {}\n"
      "# HELP lambdascope_serve_cache_profiles Parsed profiles in the cache.\n"
      "# TYPE lambdascope_serve_cache_profiles gauge\nlambdascope_serve_cache_profiles {}\n"
      "# HELP lambdascope_serve_cache_lookups_total Cache lookups, by result.\n"
      "# TYPE lambdascope_serve_cache_lookups_total counter\n"
      "lambdascope_serve_cache_lookups_total{{result=\"hit\"}} {}\n"
      "lambdascope_serve_cache_lookups_total{{result=\"miss\"}} {}\n",
      cache.bytes(), cache_budget_bytes, cache.entries(), cache.hits(), cache.misses());
  return out;
}

}  // namespace lambdascope::server
