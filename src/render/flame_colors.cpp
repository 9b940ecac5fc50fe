#include "render/flame_colors.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

namespace lambdascope::render {

namespace {

constexpr std::array<std::string_view, 16> kPaletteNames = {
    "hot",  "mem", "io",    "wakeup", "java", "js",     "perl",   "python",
    "rust", "red", "green", "blue",   "aqua", "yellow", "purple", "orange",
};

// flamegraph.pl's name hash: a weighted vector over the first three characters (after a "module`" prefix), so
// names that start alike get close values. Computed in single precision, as inferno does, so colors agree
// with its output bit for bit.
float name_hash(std::string_view name) {
  size_t tick = name.size() > 1 ? name.find('`', 1) : std::string_view::npos;
  if (tick != std::string_view::npos) name.remove_prefix(tick + 1);
  float vector = 0, weight = 1, max = 1;
  unsigned modulo = 10;
  for (size_t i = 0; i < name.size() && i < 3; ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    auto v = static_cast<float>(c % modulo);
    vector += (v / static_cast<float>(modulo - 1)) * weight;
    ++modulo;
    max += weight;
    weight *= 0.70f;
  }
  return 1.0f - vector / max;
}

// Three values in [0, 1] from FNV-1a of the name: stable across runs and machines.
std::array<float, 3> fnv_values(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  constexpr double kMax = static_cast<double>(std::numeric_limits<uint64_t>::max());
  std::array<float, 3> v;
  for (float& x : v) {
    x = static_cast<float>(static_cast<double>(h) / kMax);
    h *= 0x100000001b3ULL;  // next value: one more FNV round over a zero byte
  }
  return v;
}

// The annotation character of "name_[X]", or 0.
char annotation(std::string_view name) {
  size_t n = name.size();
  if (n >= 4 && name[n - 4] == '_' && name[n - 3] == '[' && name[n - 1] == ']') return name[n - 2];
  return 0;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// The plain hue each language-aware palette picks for a name.
Palette java_hue(std::string_view name) {
  switch (annotation(name)) {
    case 'k':
      return Palette::kOrange;
    case 'i':
      return Palette::kAqua;
    case 'j':
      return Palette::kGreen;
    default:
      break;
  }
  std::string_view java = name.starts_with('L') ? name.substr(1) : name;
  if (contains(name, "::") || name.starts_with("-[") || name.starts_with("+["))
    return Palette::kYellow;  // C++, ObjC
  if (contains(java, "/") || (contains(java, ".") && !java.starts_with('[')) ||
      (!java.empty() && std::isupper(static_cast<unsigned char>(java[0]))))
    return Palette::kGreen;
  return Palette::kRed;
}

Palette perl_hue(std::string_view name) {
  if (name.ends_with("_[k]")) return Palette::kOrange;
  if (contains(name, "Perl") || contains(name, ".pl")) return Palette::kGreen;
  if (contains(name, "::")) return Palette::kYellow;
  return Palette::kRed;
}

Palette python_hue(std::string_view name) {
  bool site_packages = false, stdlib = false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part == "site-packages") site_packages = true;
    for (std::string_view prefix : {std::string_view("python"), std::string_view("Python")}) {
      if (part.starts_with(prefix) && std::all_of(part.begin() + prefix.size(), part.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
          }))
        stdlib = true;
    }
    start = end + 1;
  }
  if (site_packages) return Palette::kAqua;
  if (stdlib || name.starts_with("<built-in") || name.starts_with("<method") || name.starts_with("<frozen"))
    return Palette::kYellow;
  return Palette::kRed;
}

Palette js_hue(std::string_view name) {
  if (!name.empty() && std::all_of(name.begin(), name.end(),
                                   [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
    return Palette::kGreen;
  if (name.ends_with("_[k]")) return Palette::kOrange;
  if (name.ends_with("_[j]")) return contains(name, "/") ? Palette::kGreen : Palette::kAqua;
  if (contains(name, "::")) return Palette::kYellow;
  if (contains(name, ":")) return Palette::kAqua;
  size_t slash = name.find('/');
  if (slash != std::string_view::npos) {
    std::string_view rest = name.substr(slash);
    if (contains(rest, "node_modules/")) return Palette::kPurple;
    if (contains(rest, ".js")) return Palette::kGreen;
  }
  return Palette::kRed;
}

Palette rust_hue(std::string_view name) {
  bool system =
      name.starts_with("core::") || name.starts_with("std::") || name.starts_with("alloc::") ||
      (name.starts_with("<core::") && !name.starts_with("<core::future::from_generator::GenFuture<T>")) ||
      name.starts_with("<std::") || name.starts_with("<alloc::");
  if (system) return Palette::kOrange;
  if (contains(name, "::")) return Palette::kAqua;  // user crates
  return Palette::kYellow;                          // not Rust
}

uint8_t scaled(int base, float range, float v) {
  return static_cast<uint8_t>(base + static_cast<uint8_t>(range * v));
}

}  // namespace

std::span<const std::string_view> palette_names() {
  return kPaletteNames;
}

bool parse_palette(std::string_view name, Palette* out) {
  auto it = std::find(kPaletteNames.begin(), kPaletteNames.end(), name);
  if (it == kPaletteNames.end()) return false;
  *out = static_cast<Palette>(it - kPaletteNames.begin());
  return true;
}

bool separator_color(std::string_view name, Rgb* out) {
  if (name == "--") {
    *out = {160, 160, 160};
    return true;
  }
  if (name == "-") {
    *out = {200, 200, 200};
    return true;
  }
  return false;
}

Rgb frame_color(Palette palette, bool hash, std::string_view name) {
  float v1, v2, v3;
  if (hash) {
    std::string reversed(name.rbegin(), name.rend());
    v1 = name_hash(name);
    v2 = v3 = name_hash(reversed);
  } else {
    auto v = fnv_values(name);
    v1 = v[0];
    v2 = v[1];
    v3 = v[2];
  }
  switch (palette) {
    case Palette::kJava:
      palette = java_hue(name);
      break;
    case Palette::kJs:
      palette = js_hue(name);
      break;
    case Palette::kPerl:
      palette = perl_hue(name);
      break;
    case Palette::kPython:
      palette = python_hue(name);
      break;
    case Palette::kRust:
      palette = rust_hue(name);
      break;
    case Palette::kWakeup:
      palette = Palette::kAqua;
      break;
    default:
      break;
  }
  switch (palette) {
    case Palette::kMem:
      return {0, scaled(190, 50, v2), scaled(0, 210, v1)};
    case Palette::kIo:
      return {scaled(80, 60, v1), scaled(80, 60, v1), scaled(190, 55, v2)};
    case Palette::kRed:
      return {scaled(200, 55, v1), scaled(50, 80, v1), scaled(50, 80, v1)};
    case Palette::kGreen:
      return {scaled(50, 60, v1), scaled(200, 55, v1), scaled(50, 60, v1)};
    case Palette::kBlue:
      return {scaled(80, 60, v1), scaled(80, 60, v1), scaled(205, 50, v1)};
    case Palette::kYellow:
      return {scaled(175, 55, v1), scaled(175, 55, v1), scaled(50, 20, v1)};
    case Palette::kPurple:
      return {scaled(190, 65, v1), scaled(80, 60, v1), scaled(190, 65, v1)};
    case Palette::kAqua:
      return {scaled(50, 60, v1), scaled(165, 55, v1), scaled(165, 55, v1)};
    case Palette::kOrange:
      return {scaled(190, 65, v1), scaled(90, 65, v1), 0};
    default:  // hot
      return {scaled(205, 50, v3), scaled(0, 230, v1), scaled(0, 55, v2)};
  }
}

Rgb diff_color(double delta, double max_abs_delta) {
  if (delta == 0 || max_abs_delta <= 0) return {250, 250, 250};
  double strength = std::min(std::fabs(delta), max_abs_delta);
  auto c = static_cast<uint8_t>(
      100 + static_cast<int>(std::floor(150 * (max_abs_delta - strength) / max_abs_delta)));
  return delta > 0 ? Rgb{255, c, c} : Rgb{c, c, 255};
}

std::pair<std::string_view, std::string_view> background_gradient(Palette palette) {
  switch (palette) {
    case Palette::kMem:
      return {"#eef2ee", "#e0ffe0"};
    case Palette::kIo:
    case Palette::kWakeup:
      return {"#eeeeee", "#e0e0ff"};
    case Palette::kRed:
    case Palette::kGreen:
    case Palette::kBlue:
    case Palette::kAqua:
    case Palette::kYellow:
    case Palette::kPurple:
    case Palette::kOrange:
      return {"#f8f8f8", "#e8e8e8"};
    default:
      return {"#eeeeee", "#eeeeb0"};
  }
}

bool parse_background(std::string_view name, std::pair<std::string, std::string>* out) {
  if (name == "yellow") {
    *out = {"#eeeeee", "#eeeeb0"};
  } else if (name == "blue") {
    *out = {"#eeeeee", "#e0e0ff"};
  } else if (name == "green") {
    *out = {"#eef2ee", "#e0ffe0"};
  } else if (name == "grey" || name == "gray") {
    *out = {"#f8f8f8", "#e8e8e8"};
  } else if (name.size() == 7 && name[0] == '#' && std::all_of(name.begin() + 1, name.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c));
             })) {
    *out = {std::string(name), std::string(name)};
  } else {
    return false;
  }
  return true;
}

}  // namespace lambdascope::render
