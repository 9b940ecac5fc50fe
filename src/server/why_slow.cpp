#include "server/why_slow.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace lambdascope::server {

WhySlowGroups why_slow_groups(const std::vector<const Invocation*>& invocations) {
  std::vector<int64_t> d;
  for (const Invocation* inv : invocations) d.push_back(inv->object.profile.duration_ms);
  std::sort(d.begin(), d.end());
  const size_t n = d.size();
  WhySlowGroups g;
  if (n >= 6) {
    size_t slow_count = std::max<size_t>(3, (n + 9) / 10);
    g.slow_min_ms = d[n - slow_count];
    g.fast_min_ms = d[n * 4 / 10];
    g.fast_max_ms = std::min(d[(n * 6 + 9) / 10 - 1], g.slow_min_ms - 1);
    for (const Invocation* inv : invocations) {
      int64_t ms = inv->object.profile.duration_ms;
      if (ms >= g.slow_min_ms) {
        g.slow.push_back(inv);
      } else if (ms >= g.fast_min_ms && ms <= g.fast_max_ms) {
        g.fast.push_back(inv);
      }
    }
  }
  if (g.slow.empty() || g.fast.empty())
    throw BadParameter("function",
                       "why-slow needs invocations of different durations to compare (at least 6, "
                       "the slowest 10% apart from the middle band); the selection has " +
                           std::to_string(n));
  return g;
}

namespace {
struct Sums {
  double self_ns = 0, total_ns = 0;
  int64_t self_samples = 0, total_samples = 0;
};

std::unordered_map<std::string, Sums> sum_by_name(const profile::Profile& p) {
  std::optional<size_t> ns, count;
  for (size_t i = 0; i < p.num_values(); ++i) {
    const auto& t = p.meta.sample_types[i];
    if (!ns && t.unit == "nanoseconds") ns = i;
    if (!count && (t.type == "samples" || t.unit == "count")) count = i;
  }
  // A wait counts only on the thread that carried the request. A pool thread blocked on a futex for the whole
  // invocation says nothing about why it was slow, yet in wall profiles its waiting grows with the duration
  // and would top the ranking. The request's thread is taken to be the one that ran most in its process (the
  // handler runs there); other threads count only while they ran.
  auto waiting = [&](size_t i) {
    profile::StackId id = p.samples.stack[i];
    return id != profile::StackTrie::kRoot &&
           p.frames[p.stacks.frame(id)].kind == profile::FrameKind::kWaiting;
  };
  auto column = [&](const std::vector<int32_t>& c, size_t i) { return i < c.size() ? c[i] : -1; };
  std::map<std::pair<int32_t, int32_t>, double> ran;  // (pid, tid) -> weight while running
  for (size_t i = 0; i < p.num_samples(); ++i)
    if (!waiting(i))
      ran[{column(p.samples.pid, i), column(p.samples.tid, i)}] += count ? p.value(i, *count) : 1;
  std::map<int32_t, std::pair<int32_t, double>> request_thread;  // pid -> (tid, weight)
  for (const auto& [thread, w] : ran) {
    auto& best = request_thread[thread.first];
    if (w > best.second) best = {thread.second, w};
  }
  std::unordered_map<std::string, Sums> out;
  std::vector<profile::FrameId> frames;
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < p.num_samples(); ++i) {
    if (waiting(i)) {
      auto it = request_thread.find(column(p.samples.pid, i));
      if (it == request_thread.end() || it->second.first != column(p.samples.tid, i)) continue;
    }
    double v = ns ? p.value(i, *ns) : 0;
    auto c = static_cast<int64_t>(count ? p.value(i, *count) : 1);
    frames = p.stacks.frames_root_first(p.samples.stack[i]);
    if (frames.empty()) continue;
    seen.clear();
    for (size_t f = 0; f < frames.size(); ++f) {
      std::string_view name = p.strings[p.frames[frames[f]].name];
      Sums& s = out[std::string(name)];
      if (f + 1 == frames.size()) {
        s.self_ns += v;
        s.self_samples += c;
      }
      if (seen.insert(name).second) {  // recursion counts once in a stack's total
        s.total_ns += v;
        s.total_samples += c;
      }
    }
  }
  return out;
}

double log_binomial_pmf(int64_t k, int64_t m, double p) {
  return std::lgamma(m + 1.0) - std::lgamma(k + 1.0) - std::lgamma(m - k + 1.0) + k * std::log(p) +
         (m - k) * std::log1p(-p);
}
}  // namespace

double poisson_rates_p_value(int64_t k1, double n1, int64_t k2, double n2) {
  const int64_t m = k1 + k2;
  if (m == 0 || n1 <= 0 || n2 <= 0) return 1;
  const double p = n1 / (n1 + n2);
  if (m <= 5000) {
    // Sum of the probabilities of every outcome no more likely than the one observed.
    double observed = log_binomial_pmf(k1, m, p);
    double sum = 0;
    for (int64_t i = 0; i <= m; ++i) {
      double l = log_binomial_pmf(i, m, p);
      if (l <= observed + 1e-7) sum += std::exp(l);
    }
    return std::min(1.0, sum);
  }
  double sd = std::sqrt(m * p * (1 - p));
  double z = std::max(0.0, std::abs(k1 - m * p) - 0.5) / sd;
  return std::erfc(z / std::sqrt(2.0));
}

std::vector<FunctionCost> compare_functions(const profile::Profile& slow, size_t slow_invocations,
                                            const profile::Profile& fast, size_t fast_invocations) {
  auto s = sum_by_name(slow), f = sum_by_name(fast);
  std::unordered_set<std::string> names;
  for (auto& [name, _] : s) names.insert(name);
  for (auto& [name, _] : f) names.insert(name);
  const double ns = static_cast<double>(slow_invocations), nf = static_cast<double>(fast_invocations);
  std::vector<FunctionCost> out;
  for (const std::string& name : names) {
    Sums a = s.count(name) ? s[name] : Sums{}, b = f.count(name) ? f[name] : Sums{};
    FunctionCost c;
    c.name = name;
    c.slow_self_ms = a.self_ns / 1e6 / ns;
    c.fast_self_ms = b.self_ns / 1e6 / nf;
    c.slow_total_ms = a.total_ns / 1e6 / ns;
    c.fast_total_ms = b.total_ns / 1e6 / nf;
    c.slow_self_samples = a.self_samples;
    c.fast_self_samples = b.self_samples;
    c.slow_total_samples = a.total_samples;
    c.fast_total_samples = b.total_samples;
    c.self_p = poisson_rates_p_value(a.self_samples, ns, b.self_samples, nf);
    c.total_p = poisson_rates_p_value(a.total_samples, ns, b.total_samples, nf);
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const FunctionCost& x, const FunctionCost& y) {
    double ex = x.slow_self_ms - x.fast_self_ms, ey = y.slow_self_ms - y.fast_self_ms;
    if (ex != ey) return ex > ey;
    double tx = x.slow_total_ms - x.fast_total_ms, ty = y.slow_total_ms - y.fast_total_ms;
    if (tx != ty) return tx > ty;
    return x.name < y.name;
  });
  return out;
}

}  // namespace lambdascope::server
