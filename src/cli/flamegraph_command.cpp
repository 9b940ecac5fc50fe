// `lambdascope flamegraph`: any profile(s) to an interactive HTML page or a flamegraph.pl-style SVG.
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/render_flags.hpp"
#include "formats/parse_error.hpp"
#include "render/flame_layout.hpp"
#include "render/pages.hpp"
#include "render/svg_writer.hpp"

namespace lambdascope::cli {

namespace {
struct FlamegraphFlags {
  InputFlags inputs;
  OutputFlags output;
  SvgFlags svg;
  std::string weight;  // "" when not given: wall for wall profiles, else samples
  bool hide_idle = false;
  std::string search;
};
}  // namespace

Action add_flamegraph_command(CLI::App& app) {
  auto flags = std::make_shared<FlamegraphFlags>();
  CLI::App* cmd = app.add_subcommand(
      "flamegraph", "Draw a flame graph: an interactive HTML page, or an SVG like flamegraph.pl's");
  cmd->footer(
      "Several inputs are merged first. The output format follows -o (.html or .svg) unless\n"
      "--output-format says; to stdout it is SVG, as flamegraph.pl writes. The HTML page is one "
      "self-contained\n"
      "file (search, zoom, icicle/flame, sort by weight or name, idle hiding, value switching); the SVG "
      "zooms on\n"
      "click and searches with Ctrl-F. SVG frames are ordered by name like flamegraph.pl, each frame's own\n"
      "weight left of its callees. Two-count folded lines (difffolded.pl's output) draw a differential "
      "flame\n"
      "graph, as flamegraph.pl does.\n\n"
      "Examples:\n"
      "  perf script | lambdascope flamegraph - -o flame.html\n"
      "  lambdascope flamegraph perf.txt.gz -o flame.svg --colors java --hash\n"
      "  lambdascope flamegraph out.folded > flame.svg\n"
      "  lambdascope flamegraph --flamechart --only-comm node perf.txt -o chart.svg\n"
      "  lambdascope flamegraph cpu.pb.gz --weight cpu --inverted -o icicle.html\n"
      "  lambdascope flamegraph --from 2 --to 2.5 perf.txt -o slice.svg");
  flags->inputs.add_to(cmd);
  flags->output.add_to(cmd, /*svg_allowed=*/true);
  cmd->add_option("--weight", flags->weight,
                  "samples (each sample counts its count), period (perf's period, CPU or wall time) or a "
                  "sample type name")
      ->default_str("samples");
  cmd->add_flag("--hide-idle", flags->hide_idle,
                "Leave out samples whose leaf frame is an idle function (HTML: start with idle hidden)");
  cmd->add_option("--search", flags->search, "HTML: start with this regex highlighted");
  flags->svg.add_to(cmd, /*flamechart_option=*/true);

  return [flags] {
    const FlamegraphFlags& f = *flags;
    OutputKind kind = f.output.kind(OutputKind::kSvg);
    bool chart = kind == OutputKind::kSvg && f.svg.flamechart;
    profile::Profile p = f.inputs.load(/*need_times=*/chart);
    const std::string& first = f.inputs.files.front();
    if (p.num_samples() == 0)
      throw formats::ParseError::whole(first, f.inputs.has_time_filter() || !f.inputs.include.empty()
                                                  ? "no samples left after the filters"
                                                  : "no samples to draw");
    set_input_attribute(p, f.inputs.files);
    // Two-count folded lines are a differential flame graph, as flamegraph.pl draws them.
    bool differential = is_two_count_diff(p);
    size_t value = differential ? 1 : value_column(p, f.weight, first);
    std::string label = inputs_label(f.inputs);

    if (kind == OutputKind::kSvg) {
      render::FlameLayoutOptions lo;
      lo.value_index = value;
      if (differential) lo.base_index = 0;
      lo.reverse = f.svg.reverse;
      lo.flamechart = f.svg.flamechart;
      lo.exclude_idle = f.hide_idle;
      lo.min_width = f.svg.min_width_units(p.total(value));
      render::FlameLayout layout = render::layout_flame_graph(p, lo);
      if (layout.total <= 0)
        throw formats::ParseError::whole(first, "every sample weighs 0; nothing to draw");
      std::string title = f.svg.flamechart ? "Flame Chart" : f.svg.inverted ? "Icicle Graph" : "Flame Graph";
      f.output.write(
          render::write_flame_svg(p, layout, f.svg.svg_options(title, p.meta.sample_types[value])));
      return 0;
    }

    if (f.svg.any_svg_only_option())
      warn("SVG options other than --title and --inverted are ignored for HTML");
    render::FlamegraphPageOptions po;
    po.title = f.svg.title.empty() ? "Flame graph: " + label : f.svg.title;
    po.inverted = f.svg.inverted;
    po.value = value;
    po.differential = differential;
    po.hide_idle = f.hide_idle;
    po.search = f.search;
    f.output.write(render::flamegraph_page(p, po).html());
    return 0;
  };
}

}  // namespace lambdascope::cli
