#include "cli/render_flags.hpp"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "formats/output_file.hpp"
#include "formats/parse_error.hpp"
#include "profile/value_choice.hpp"
#include "render/flame_colors.hpp"

namespace lambdascope::cli {

namespace {
bool ends_with_ci(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  return true;
}
}  // namespace

void OutputFlags::add_to(CLI::App* cmd, bool svg_allowed) {
  cmd->add_option(
      "-o,--output", output,
      svg_allowed ? "Output file, .html or .svg (default: stdout)" : "Output .html file (default: stdout)");
  if (svg_allowed) {
    // Not --format (every command's input format) nor --to (the time filter).
    cmd->add_option("--output-format", format, "html or svg (default: from the -o extension)")
        ->check(CLI::IsMember({"html", "svg"}));
  }
}

OutputKind OutputFlags::kind(OutputKind for_stdout) const {
  if (format == "html") return OutputKind::kHtml;
  if (format == "svg") return OutputKind::kSvg;
  if (ends_with_ci(output, ".html") || ends_with_ci(output, ".htm")) return OutputKind::kHtml;
  if (ends_with_ci(output, ".svg")) return OutputKind::kSvg;
  if (output == "-") return for_stdout;
  throw std::invalid_argument("cannot tell the output format from \"" + output +
                              "\": name it .html or .svg, or pass --output-format html|svg");
}

void OutputFlags::write(std::string_view bytes) const {
  formats::OutputFile out(output);
  out.write(bytes);
  out.commit();
}

void SvgFlags::add_to(CLI::App* cmd, bool flamechart_option) {
  auto* g = cmd->add_option_group("SVG (flamegraph.pl's options)");
  g->add_option("--title", title, "Title text");
  auto svg_only = [&](CLI::Option* o) {
    svg_only_.push_back(o);
    return o;
  };
  svg_only(g->add_option("--subtitle", subtitle, "Second line of the title"));
  svg_only(g->add_option("--notes", notes, "Text kept in a comment at the top of the SVG"));
  svg_only(g->add_option("--width", width, "Image width in pixels"))
      ->capture_default_str()
      ->check(CLI::Range(100, 1000000));
  svg_only(g->add_option("--height", frame_height, "Height of each frame in pixels"))
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  svg_only(g->add_option("--minwidth", min_width,
                         "Omit frames narrower than this: pixels, or a percentage of the total with %"))
      ->capture_default_str();
  std::vector<std::string> palettes(render::palette_names().begin(), render::palette_names().end());
  svg_only(
      g->add_option("--colors", colors,
                    "Palette: hot, mem, io, wakeup, java, js, perl, python, rust, red, green, blue, aqua, "
                    "yellow, purple, orange"))
      ->capture_default_str()
      ->check(CLI::IsMember(palettes));
  svg_only(g->add_option("--bgcolors", bgcolors, "Background: yellow, blue, green, grey or #rrggbb"));
  svg_only(
      g->add_flag("--hash", hash, "Colors from flamegraph.pl's name hash (similar names, similar colors)"));
  svg_only(g->add_option("--countname", count_name,
                         "What the counts are (default: samples, or the value's unit)"));
  svg_only(g->add_option("--nametype", name_type, "What the names are, shown on hover"))
      ->capture_default_str();
  g->add_flag("--inverted", inverted, "Icicle graph: roots at the top");
  svg_only(g->add_flag("--reverse", reverse, "Stack-reversed graph: leaf functions at the root"));
  if (flamechart_option)
    svg_only(
        g->add_flag("--flamechart", flamechart,
                    "Flame chart: samples in time order (input order without times), only neighbours merge"));
  svg_only(g->add_flag("--negate", negate, "Differential: swap red and blue"));
}

render::SvgOptions SvgFlags::svg_options(const std::string& default_title,
                                         const profile::ValueType& value) const {
  render::SvgOptions o;
  o.title = title.empty() ? default_title : title;
  o.subtitle = subtitle;
  o.notes = notes;
  o.width = width;
  o.frame_height = frame_height;
  if (!render::parse_palette(colors, &o.palette)) throw std::invalid_argument("unknown --colors " + colors);
  if (!bgcolors.empty()) {
    std::pair<std::string, std::string> bg;
    if (!render::parse_background(bgcolors, &bg))
      throw std::invalid_argument("--bgcolors expects yellow, blue, green, grey or #rrggbb, got " + bgcolors);
    o.background = bg;
  }
  o.hash = hash;
  if (!count_name.empty()) {
    o.count_name = count_name;
  } else {
    o.count_name = value.unit.empty() || value.unit == "count" ? "samples" : value.unit;
  }
  o.name_type = name_type;
  o.inverted = inverted;
  o.negate = negate;
  return o;
}

double SvgFlags::min_width_units(double total) const {
  std::string text = min_width;
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text.pop_back();
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !(v >= 0))
    throw std::invalid_argument("--minwidth expects pixels (0.1) or a percentage (0.01%), got " + min_width);
  if (percent) return total * v / 100;
  return total * v / (width - 20);  // the frames span the width minus 10 px margins
}

bool SvgFlags::any_svg_only_option() const {
  for (const CLI::Option* o : svg_only_)
    if (o->count() > 0) return true;
  return false;
}

size_t value_column(const profile::Profile& p, const std::string& weight, const std::string& file) {
  if (p.num_values() == 0) throw formats::ParseError::whole(file, "the samples carry no values");
  try {
    return profile::choose_value(p, weight);
  } catch (const std::invalid_argument& e) {
    throw formats::ParseError::whole(file, e.what());
  }
}

std::string inputs_label(const InputFlags& inputs) {
  std::string label;
  for (const std::string& f : inputs.files) {
    if (!label.empty()) label += " + ";
    label += f == "-" ? "stdin" : std::filesystem::path(f).filename().string();
  }
  return label;
}

void set_input_attribute(profile::Profile& p, const std::vector<std::string>& files) {
  std::string joined;
  for (const std::string& f : files) joined += (joined.empty() ? "" : " ") + f;
  p.meta.set_attribute("input", joined);
}

bool is_two_count_diff(const profile::Profile& p) {
  const auto& t = p.meta.sample_types;
  return t.size() == 2 && t[0].type == "base" && t[1].type == "new" &&
         p.meta.attribute("diff") == "base then new";
}

void warn(const std::string& message) {
  std::fprintf(stderr, "lambdascope: warning: %s\n", message.c_str());
}

}  // namespace lambdascope::cli
