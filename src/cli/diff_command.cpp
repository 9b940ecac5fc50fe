// `lambdascope diff`: compare two profiles as a differential flame graph (HTML page or SVG: red where NEW
// grew, blue where it shrank), or as difffolded.pl's two-count folded lines.
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/render_flags.hpp"
#include "formats/parse_error.hpp"
#include "formats/writers.hpp"
#include "profile/diff.hpp"
#include "profile/diff_prep.hpp"
#include "render/flame_layout.hpp"
#include "render/pages.hpp"
#include "render/svg_writer.hpp"

namespace lambdascope::cli {

namespace {
struct DiffFlags {
  InputFlags inputs;
  OutputFlags output;
  SvgFlags svg;
  std::string weight;  // "" when not given: wall for wall profiles, else samples
  bool normalize = false, absolute = false;
  bool folded = false;
  bool strip_hex = false;
  bool base_shape = false;
};

profile::Profile load_one(const InputFlags& all, const std::string& file) {
  InputFlags one = all;
  one.files = {file};
  profile::Profile p = one.load(/*need_times=*/false);
  if (p.num_samples() == 0)
    throw formats::ParseError::whole(file, all.has_time_filter() || !all.include.empty()
                                               ? "no samples left after the filters"
                                               : "no samples to compare");
  return p;
}
}  // namespace

Action add_diff_command(CLI::App& app) {
  auto flags = std::make_shared<DiffFlags>();
  CLI::App* cmd = app.add_subcommand(
      "diff",
      "Compare two profiles: differential flame graph (red grew, blue shrank) or two-count folded lines");
  cmd->footer(
      "Give two inputs, BASE then NEW. By default BASE is scaled to NEW's total first (--normalize), so two\n"
      "recordings of different lengths compare by shape; --absolute compares raw weights. Frames are NEW's\n"
      "shape, colored by the change of their own weight (flamegraph.pl's differential flame graph); the "
      "HTML\n"
      "page also lists the paths that vanished (only in BASE). --base-shape draws BASE's shape instead (the\n"
      "vanished paths become visible; colors still mean NEW minus BASE). --folded prints difffolded.pl's "
      "lines\n"
      "\"stack base new\" (normalized counts truncated to integers, as difffolded.pl -n does).\n\n"
      "Examples:\n"
      "  lambdascope diff before.txt after.txt -o diff.html\n"
      "  lambdascope diff before.folded after.folded -o diff.svg\n"
      "  lambdascope diff --base-shape before.pb.gz after.pb.gz -o vanished.svg\n"
      "  lambdascope diff --folded --absolute --strip-hex before.folded after.folded > diff.folded");
  flags->inputs.add_to(cmd);
  flags->output.add_to(cmd, /*svg_allowed=*/true);
  auto* norm =
      cmd->add_flag("--normalize", flags->normalize, "Scale BASE to NEW's total first (the default)");
  cmd->add_flag("--absolute", flags->absolute, "Compare raw weights")->excludes(norm);
  cmd->add_flag("--folded", flags->folded, "Print two-count folded lines (difffolded.pl) instead of a graph");
  cmd->add_flag("--strip-hex", flags->strip_hex,
                "Replace hex numbers in frame names by 0x... before comparing");
  cmd->add_flag("--base-shape", flags->base_shape, "SVG: draw BASE's shape (shows what vanished in NEW)");
  cmd->add_option("--weight", flags->weight, "samples, period or a sample type name, for both inputs")
      ->default_str("samples");
  flags->svg.add_to(cmd, /*flamechart_option=*/false);

  return [flags] {
    const DiffFlags& f = *flags;
    if (f.inputs.files.size() != 2)
      throw std::invalid_argument("diff takes two inputs, BASE and NEW; got " +
                                  std::to_string(f.inputs.files.size()));
    const std::string& base_file = f.inputs.files[0];
    const std::string& new_file = f.inputs.files[1];
    bool normalize = !f.absolute;
    profile::Profile base = load_one(f.inputs, base_file);
    profile::Profile next = load_one(f.inputs, new_file);
    if (f.strip_hex) {
      base = profile::strip_hex_addresses(base);
      next = profile::strip_hex_addresses(next);
    }
    set_input_attribute(base, {base_file});
    set_input_attribute(next, {new_file});
    size_t base_value = value_column(base, f.weight, base_file);
    size_t new_value = value_column(next, f.weight, new_file);

    if (f.folded) {
      profile::Profile d = profile::diff(base, next, {base_value, new_value, /*normalize=*/false});
      if (normalize) profile::difffolded_normalize(d);
      f.output.write(formats::write_folded_diff(d));
      return 0;
    }

    OutputKind kind = f.output.kind(OutputKind::kSvg);
    if (kind == OutputKind::kSvg) {
      profile::Profile d = profile::diff(base, next, {base_value, new_value, normalize});
      render::FlameLayoutOptions lo;
      // Widths from NEW and deltas NEW - BASE; with --base-shape widths from BASE, and the deltas (BASE -
      // NEW) negated back so red still means NEW grew.
      lo.value_index = f.base_shape ? 0 : 1;
      lo.base_index = f.base_shape ? 1 : 0;
      lo.reverse = f.svg.reverse;
      lo.min_width = f.svg.min_width_units(d.total(lo.value_index));
      render::FlameLayout layout = render::layout_flame_graph(d, lo);
      if (layout.total <= 0)
        throw formats::ParseError::whole(new_file, "every sample weighs 0; nothing to draw");
      render::SvgOptions so =
          f.svg.svg_options("Differential Flame Graph", next.meta.sample_types[new_value]);
      so.negate = f.svg.negate != f.base_shape;
      if (so.subtitle.empty())
        so.subtitle = std::string(f.base_shape ? "BASE's shape" : "NEW's shape") +
                      "; red: grew in NEW, blue: shrank" + (normalize ? "; BASE scaled to NEW's total" : "");
      f.output.write(render::write_flame_svg(d, layout, so));
      return 0;
    }

    if (f.svg.any_svg_only_option())
      warn("SVG options other than --title and --inverted are ignored for HTML");
    render::DiffPageOptions po;
    po.title = f.svg.title.empty() ? "Diff: " + inputs_label(f.inputs) : f.svg.title;
    po.inverted = f.svg.inverted;
    po.normalize = normalize;
    po.base_value = base_value;
    po.new_value = new_value;
    f.output.write(render::diff_page(base, next, po).html());
    return 0;
  };
}

}  // namespace lambdascope::cli
