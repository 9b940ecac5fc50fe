#include "server/live/metrics_writer.hpp"

#include <fmt/format.h>

#include <vector>

#include "server/live/label_value.hpp"

namespace lambdascope::live {

namespace {

struct Family {
  std::string_view name;  // without _total
  std::string_view label;
  std::string_view help;
  const std::vector<LabeledValue>* values;
};

void write_family(std::string& out, const Family& f, MetricsFormat format) {
  // OpenMetrics names the family without the _total suffix its samples carry; 0.0.4 names it with it.
  std::string_view suffix = format == MetricsFormat::kOpenMetrics ? "" : "_total";
  out += fmt::format("# HELP {}{} {}\n# TYPE {}{} counter\n", f.name, suffix, f.help, f.name, suffix);
  for (const LabeledValue& v : *f.values) {
    out += fmt::format("{}_total{{{}=\"", f.name, f.label);
    append_escaped_label(out, v.label);
    out += fmt::format("\"}} {}\n", v.value);
  }
}

}  // namespace

MetricsFormat metrics_format_for(std::string_view accept) {
  return accept.find("application/openmetrics-text") != std::string_view::npos ? MetricsFormat::kOpenMetrics
                                                                               : MetricsFormat::kText004;
}

std::string_view metrics_content_type(MetricsFormat format) {
  return format == MetricsFormat::kOpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                               : "text/plain; version=0.0.4; charset=utf-8";
}

std::string write_metrics(const MetricsSnapshot& m, MetricsFormat format) {
  std::vector<Family> families = {
      {"lambdascope_samples", "mode", "Samples taken by the agent, by sampling mode.", &m.samples_by_mode},
      {"lambdascope_samples_dropped", "reason",
       "Samples lost (or, for stack_table_full, whose stack was folded into [other]), by reason.",
       &m.dropped_by_reason},
      {"lambdascope_cpu_seconds", "thread_name",
       "Sampled CPU seconds per thread name (the first names seen; the rest as other).",
       &m.seconds_by_thread},
      {"lambdascope_function_self_seconds", "function",
       "Sampled seconds with the function as the leaf, for the top functions of the last window; other is "
       "the rest.",
       &m.function_self_seconds},
      {"lambdascope_function_total_seconds", "function",
       "Sampled seconds with the function anywhere on the stack (top functions); other: stacks without any "
       "of them.",
       &m.function_total_seconds},
  };
  if (!m.stack_self_seconds.empty())
    families.push_back(
        {"lambdascope_stack_self_seconds", "stack",
         "Sampled seconds of the heaviest call paths (root;...;leaf) of the last window; other is the rest.",
         &m.stack_self_seconds});
  std::string out;
  for (const Family& f : families) write_family(out, f, format);
  if (format == MetricsFormat::kOpenMetrics) out += "# EOF\n";
  return out;
}

}  // namespace lambdascope::live
