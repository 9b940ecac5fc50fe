// `lambdascope heatmap`: a FlameScope-style sub-second heat map page; selecting a range of cells shows the
// flame graph of that time range, all in one HTML file.
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/render_flags.hpp"
#include "formats/parse_error.hpp"
#include "render/heatmap.hpp"
#include "render/pages.hpp"

namespace lambdascope::cli {

namespace {
struct HeatmapFlags {
  InputFlags inputs;
  OutputFlags output;
  int rows = 50;
  int64_t column_seconds = 0;
  std::string weight;  // "" when not given: wall for wall profiles, else samples
  bool keep_idle = false;
  std::string title;
};
}  // namespace

Action add_heatmap_command(CLI::App& app) {
  auto flags = std::make_shared<HeatmapFlags>();
  CLI::App* cmd = app.add_subcommand(
      "heatmap", "Draw a sub-second heat map page (FlameScope): pick a time range, see its flame graph");
  cmd->footer(
      "Each column is S seconds from the start of the first sample's second (S = 1, or coarser for long\n"
      "recordings so the page stays readable: at most 1000 columns, up to a day and more), split into "
      "--rows\n"
      "buckets drawn bottom to top. A cell is the weight of the samples in it. Clicking two cells selects "
      "the\n"
      "time range between them; `lambdascope collapse --from A --to B` selects the same samples. Idle "
      "samples\n"
      "(leaf frame in the kernel's idle loop) are left out unless --keep-idle. Needs per-sample times:\n"
      "perf script, .cpuprofile, Chrome traces, lambdascope's pprof.\n\n"
      "Examples:\n"
      "  perf script | lambdascope heatmap - -o heat.html\n"
      "  lambdascope heatmap perf.txt.gz --rows 100 -o heat.html\n"
      "  lambdascope heatmap --weight period --keep-idle --only-pid 4242 perf.txt -o heat.html");
  flags->inputs.add_to(cmd);
  flags->output.add_to(cmd, /*svg_allowed=*/false);
  cmd->add_option("--rows", flags->rows, "Buckets per column (FlameScope's default: 50, i.e. 20 ms)")
      ->capture_default_str()
      ->check(CLI::Range(1, render::kMaxHeatmapRows));
  cmd->add_option("--column-seconds", flags->column_seconds,
                  "Seconds per column (default: 1, coarser automatically for long recordings)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  cmd->add_option("--weight", flags->weight,
                  "samples, period (perf's period, CPU or wall time) or a sample type")
      ->default_str("samples");
  cmd->add_flag("--keep-idle", flags->keep_idle, "Count idle samples too (and start with them shown)");
  cmd->add_option("--title", flags->title, "Page title");

  return [flags] {
    const HeatmapFlags& f = *flags;
    if (f.output.kind(OutputKind::kHtml) != OutputKind::kHtml)
      throw std::invalid_argument("a heat map is an HTML page; name the output .html");
    profile::Profile p = f.inputs.load(/*need_times=*/true);
    const std::string& first = f.inputs.files.front();
    if (p.num_samples() == 0) throw formats::ParseError::whole(first, "no samples to draw");
    size_t value = value_column(p, f.weight, first);
    set_input_attribute(p, f.inputs.files);

    render::HeatmapPageOptions po;
    po.title = f.title.empty() ? "Heat map: " + inputs_label(f.inputs) : f.title;
    po.rows = f.rows;
    po.column_seconds = f.column_seconds;
    po.value = value;
    po.keep_idle = f.keep_idle;
    po.warn = warn;
    try {
      f.output.write(render::heatmap_page(p, po).html());
    } catch (const render::PageError& e) {
      throw formats::ParseError::whole(first, e.what());
    }
    return 0;
  };
}

}  // namespace lambdascope::cli
