#include "cli/listen_flags.hpp"

namespace lambdascope::cli {

void add_listen_flags(CLI::App* cmd, live::LiveExportOptions& o) {
  cmd->add_option(
      "--listen", o.listen,
      "While the command runs, serve /metrics (Prometheus), /debug/pprof/profile, /flamegraph.json and "
      "a live flame graph at [ADDR:]PORT (ADDR defaults to 127.0.0.1; docs/live.md)");
  cmd->add_flag("--listen-only", o.listen_only,
                "With --listen: write no profile at exit and keep no samples for one, so that memory stays "
                "bounded however long the command runs (long-running services)");
  cmd->add_option(
         "--metrics-top", o.live.metrics_top,
         "With --listen: functions with their own series (top by self time over a minute), plus other")
      ->check(CLI::Range(size_t{1}, live::kMaxMetricsTop))
      ->capture_default_str();
  cmd->add_option("--metrics-stacks", o.live.metrics_stacks,
                  "With --listen: also lambdascope_stack_self_seconds_total for this many heaviest stacks")
      ->check(CLI::Range(size_t{0}, live::kMaxMetricsStacks))
      ->capture_default_str();
  cmd->add_option("--max-stacks", o.live.max_stacks,
                  "With --listen: stack table entries kept live; samples of stacks beyond go to [other]")
      ->check(CLI::Range(size_t{256}, size_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--max-nodes", o.live.max_nodes,
                  "With --listen: rows of /flamegraph.json; the rest is folded into other")
      ->check(CLI::Range(size_t{10}, size_t{1000000}))
      ->capture_default_str();
}

}  // namespace lambdascope::cli
