// Live aggregation of a running program's samples, for /metrics, /debug/pprof/profile and /flamegraph.json.
// It is fed profile::Profile batches as they are read (any source: record's rings, a test) and keeps:
// cumulative counters since start that no reader ever resets, a capped stack table (StackTable), and one
// bucket per second of recent history for the windowed endpoints and the top-N choice. Every table is capped
// (LiveOptions), so memory levels off. Thread-safe: the feeder and the HTTP threads share one instance.
// It must never block the feeder for long: readers copy what they need under the lock and format outside it.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "profile/profile.hpp"
#include "render/nested_set.hpp"
#include "server/live/live_options.hpp"
#include "server/live/stack_table.hpp"
#include "server/live/top_set.hpp"

namespace lambdascope::live {

struct LabeledValue {
  std::string label;
  double value = 0;
};

// What /metrics shows, labels already cut (not yet escaped); each list is sorted by label, "other" included.
struct MetricsSnapshot {
  std::vector<LabeledValue> samples_by_mode;
  std::vector<LabeledValue> dropped_by_reason;
  std::vector<LabeledValue> seconds_by_thread;
  std::vector<LabeledValue> function_self_seconds;
  std::vector<LabeledValue> function_total_seconds;
  std::vector<LabeledValue> stack_self_seconds;  // empty unless metrics_stacks > 0
};

// One row of the nested-set table Grafana's flame graph panel reads (depth-first pre-order).
class LiveAggregator {
 public:
  explicit LiveAggregator(const LiveOptions& options);

  // Adds every sample of `batch` as arrived at `now_s` (Unix seconds). The batch has a "samples" count and a
  // nanoseconds value (cpu or wall), as record's profiles do.
  void add(const profile::Profile& batch, double now_s);
  // The agent's cumulative drop count for `reason`; a smaller value than before is ignored.
  void set_dropped(std::string_view reason, uint64_t total);

  // The counters, choosing the top-N sets again when a window has passed.
  MetricsSnapshot metrics(double now_s);
  // The samples that arrived in seconds [from_s, to_s), aggregated per (thread, stack), as a profile with the
  // sample types record writes.
  profile::Profile window_profile(double from_s, double to_s) const;
  // The same window as nested-set rows: root "total", then thread names, then frames; at most `max_nodes`
  // rows, the children that did not fit summed into one "other" row under their parent.
  std::vector<render::NestedSetRow> nested_set(double from_s, double to_s, size_t max_nodes) const;

  const LiveOptions& options() const { return options_; }
  size_t stack_count() const;
  uint64_t folded_samples() const;

 private:
  struct Entry {
    uint32_t thread;
    NodeId node;
    double count;
    double ns;
  };
  // One second of history: samples per (thread, stack) and self time per function. Only the newest bucket has
  // indexes (open_*); older ones are plain vectors, 16 and 12 bytes per row.
  struct Bucket {
    int64_t second = 0;
    std::vector<Entry> entries;
    std::vector<std::pair<uint32_t, double>> function_self;  // function id, ns
  };
  struct FunctionCounters {
    double self_ns = 0;
    double total_ns = 0;
    uint64_t stamp = 0;  // last sample that counted its total (a function counts once per stack)
  };
  struct ThreadCounters {
    std::string name;
    double ns = 0;
  };

  Bucket& bucket_at(double now_s);
  uint32_t function_id(std::string_view frame_name);
  uint32_t thread_id(std::string_view name);
  std::vector<const Entry*> entries_between(double from_s, double to_s) const;
  std::string stack_label(NodeId node) const;
  void choose_top(double now_s);

  LiveOptions options_;
  mutable std::mutex mu_;
  StackTable stacks_;
  std::vector<double> node_self_ns_;  // cumulative, per stack table node
  profile::StringTable functions_;    // cut names
  std::vector<FunctionCounters> function_counters_;
  uint64_t stamp_ = 0;
  std::vector<ThreadCounters> threads_;
  std::unordered_map<std::string, uint32_t> thread_ids_;
  std::map<std::string, double> samples_by_mode_;
  std::map<std::string, uint64_t, std::less<>> dropped_;
  double other_self_ns_ = 0, other_total_ns_ = 0, other_stack_ns_ = 0;
  uint64_t folded_samples_ = 0;
  TopSet top_functions_;
  TopSet top_stacks_;
  std::deque<Bucket> buckets_;
  std::unordered_map<uint64_t, uint32_t>
      open_entries_;  // (thread << 32 | node) -> entry of the newest bucket
  std::unordered_map<uint32_t, uint32_t> open_functions_;  // function id -> row of the newest bucket
  std::string mode_ = "cpu";
  double first_sample_s_ = std::numeric_limits<double>::quiet_NaN();
  int64_t period_ns_ = 0;
};

}  // namespace lambdascope::live
