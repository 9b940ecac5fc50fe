// Flame graphs as interactive SVG in flamegraph.pl's look: title, frames colored by palette or by
// differential change, a tooltip per frame "name (N samples, P%)", and an embedded script for zooming
// (click), resetting and regex search (Ctrl-F, "Matched: N%"). Each rect also carries fg:x and fg:w, its
// position and width in value units, like inferno's. Frame names are untrusted: escaped for XML, invalid
// UTF-8 replaced.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "profile/profile.hpp"
#include "render/flame_colors.hpp"
#include "render/flame_layout.hpp"

namespace lambdascope::render {

struct SvgOptions {
  std::string title = "Flame Graph";
  std::string subtitle;
  std::string notes;      // written in a comment at the top, as flamegraph.pl --notes
  int width = 1200;       // image width, pixels
  int frame_height = 16;  // pixels per frame
  int font_size = 12;
  double font_width = 0.59;  // average character width relative to font_size, for truncating names
  std::string font_type = "monospace";
  Palette palette = Palette::kHot;
  bool hash = false;                                              // flamegraph.pl's name hash for colors
  std::optional<std::pair<std::string, std::string>> background;  // gradient; default by palette
  std::string count_name = "samples";
  std::string name_type = "Function:";
  bool inverted = false;  // icicle: the root at the top
  bool negate = false;    // differential: swap the meaning of red and blue
};

// Throws std::invalid_argument on nonsensical sizes (width < 100, frame height < 1, font size < 1).
std::string write_flame_svg(const profile::Profile& p, const FlameLayout& layout, const SvgOptions& options);

// Text escaped for XML content and attribute values; invalid UTF-8 and control characters become U+FFFD.
std::string xml_escape(std::string_view text);

// The name shown for a frame: flamegraph.pl's annotation suffixes (_[k], _[j], _[i], _[w]) removed.
std::string_view display_name(std::string_view name);

}  // namespace lambdascope::render
