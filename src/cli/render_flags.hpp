// Flags the drawing commands (flamegraph, heatmap, diff) share: where the output goes and in which format
// (HTML page or SVG, by --output-format or the file extension), and flamegraph.pl's SVG options.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/input_flags.hpp"
#include "profile/profile.hpp"
#include "render/flame_layout.hpp"
#include "render/svg_writer.hpp"

namespace lambdascope::cli {

enum class OutputKind { kHtml, kSvg };

struct OutputFlags {
  std::string output = "-";
  std::string format;  // --output-format: "html", "svg" or empty: by extension

  void add_to(CLI::App* cmd, bool svg_allowed);
  // By --output-format, else by the extension of -o (.html/.htm, .svg), else `for_stdout` when writing to
  // stdout. Throws std::invalid_argument when neither says.
  OutputKind kind(OutputKind for_stdout) const;
  void write(std::string_view bytes) const;  // atomically (formats::OutputFile)
};

struct SvgFlags {
  std::string title, subtitle, notes;
  int width = 1200;
  int frame_height = 16;
  std::string min_width = "0.1";
  std::string colors = "hot";
  std::string bgcolors;
  bool hash = false;
  std::string count_name;
  std::string name_type = "Function:";
  bool inverted = false;
  bool reverse = false;
  bool flamechart = false;
  bool negate = false;

  // `flamechart`: also offer --flamechart (not for diffs).
  void add_to(CLI::App* cmd, bool flamechart_option);
  // The SVG look; `default_title` when --title is not given; the count name defaults to "samples" for a count
  // column and to the unit otherwise ("nanoseconds", "bytes").
  render::SvgOptions svg_options(const std::string& default_title, const profile::ValueType& value) const;
  // --minwidth in value units: "0.1" is pixels (flamegraph.pl), "0.01%" a share of the total (inferno).
  double min_width_units(double total) const;
  // True when any SVG-only option was given (so HTML output can say it ignores them).
  bool any_svg_only_option() const;

 private:
  std::vector<CLI::Option*> svg_only_;
};

// The value column --weight names, with the error naming the input.
size_t value_column(const profile::Profile& p, const std::string& weight, const std::string& file);

// "a.txt" or "a.txt + b.txt": what the page title says the profile is.
std::string inputs_label(const InputFlags& inputs);
// Records the input paths as given (space-separated) in the profile's "input" attribute, which the heat map
// page prints in the `lambdascope collapse --from A --to B INPUT` command it shows (docs/page-data.md).
void set_input_attribute(profile::Profile& p, const std::vector<std::string>& files);
// True for a profile of two-count folded lines (flamegraph.pl's differential input): values base, new.
bool is_two_count_diff(const profile::Profile& p);

// Prints "lambdascope: warning: ..." to stderr.
void warn(const std::string& message);

}  // namespace lambdascope::cli
