// flamegraph.pl's colors: the palettes (hot, mem, io, the language-aware java/js/perl/python/rust, wakeup and
// the plain hues), its name hash (--hash: similar names get similar colors), the background gradients, and
// the red/blue scale of differential graphs. Without --hash a frame's color still comes from its name
// (FNV-1a), so the same input always gives the same picture, where flamegraph.pl picks random colors.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace lambdascope::render {

enum class Palette {
  kHot,
  kMem,
  kIo,
  kWakeup,
  kJava,
  kJs,
  kPerl,
  kPython,
  kRust,
  kRed,
  kGreen,
  kBlue,
  kAqua,
  kYellow,
  kPurple,
  kOrange,
};

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

std::span<const std::string_view> palette_names();  // "hot", "mem", ... in the order of the enum
bool parse_palette(std::string_view name, Palette* out);

// `name` is the annotated name (flame_layout.hpp: annotated_name), as flamegraph.pl sees it.
Rgb frame_color(Palette palette, bool hash, std::string_view name);
// Frames named "-" and "--" (stack separators) are grey in every palette.
bool separator_color(std::string_view name, Rgb* out);
// Differential: white at 0, red for growth, blue for shrinkage, full strength at |delta| == max_abs_delta.
Rgb diff_color(double delta, double max_abs_delta);
// The background gradient (top, bottom) as "#rrggbb".
std::pair<std::string_view, std::string_view> background_gradient(Palette palette);
// A named background ("yellow", "blue", "green", "grey") or "#rrggbb"; false when neither.
bool parse_background(std::string_view name, std::pair<std::string, std::string>* out);

}  // namespace lambdascope::render
