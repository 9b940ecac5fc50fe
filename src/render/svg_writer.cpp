#include "render/svg_writer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "render/embedded_files.hpp"
#include "text/markup_escape.hpp"
#include "text/utf8.hpp"

namespace lambdascope::render {

namespace {

constexpr int kXPad = 10;  // left and right margins, pixels

// "1,234,567" or "1,234.57": flamegraph.pl's thousands separators; fractions (normalized diffs, fractional
// folded counts) keep two decimals.
std::string format_count(double v) {
  double rounded = std::round(v * 100) / 100;
  bool integral = rounded == std::trunc(rounded);
  std::string digits =
      integral ? fmt::format("{:.0f}", std::fabs(rounded)) : fmt::format("{:.2f}", std::fabs(rounded));
  size_t dot = digits.find('.');
  size_t int_end = dot == std::string::npos ? digits.size() : dot;
  std::string out = rounded < 0 ? "-" : "";
  for (size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  out.append(digits, int_end);
  return out;
}

// fg:x and fg:w: integers as integers, fractions exactly enough to sort and compare.
std::string format_units(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `chars` code points of valid UTF-8 `s`.
std::string_view utf8_prefix(std::string_view s, size_t chars) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == chars) break;
      ++seen;
    }
  }
  return s.substr(0, i);
}

}  // namespace

std::string xml_escape(std::string_view text) {
  return text::markup_escape(text);
}

std::string_view display_name(std::string_view name) {
  size_t n = name.size();
  if (n >= 4 && name[n - 4] == '_' && name[n - 3] == '[' && name[n - 1] == ']') {
    char a = name[n - 2];
    if (a == 'k' || a == 'j' || a == 'i' || a == 'w') return name.substr(0, n - 4);
  }
  return name;
}

std::string write_flame_svg(const profile::Profile& p, const FlameLayout& layout, const SvgOptions& o) {
  if (o.width < 100) throw std::invalid_argument("SVG width must be at least 100 pixels");
  if (o.frame_height < 1) throw std::invalid_argument("SVG frame height must be at least 1 pixel");
  if (o.font_size < 1 || !(o.font_width > 0)) throw std::invalid_argument("SVG font size must be positive");
  std::string_view script = flame_graph_svg_script();
  if (script.find("]]>") != std::string_view::npos)
    throw std::invalid_argument("the SVG script contains \"]]>\" and cannot be embedded");

  const int fs = o.font_size;
  const int subtitle_height = o.subtitle.empty() ? 0 : fs * 2;
  const int ypad1 = o.inverted ? fs * 4 + subtitle_height + 4 : fs * 3 + subtitle_height;
  const int ypad2 = o.inverted ? fs + 10 : fs * 2 + 10;
  const int height = static_cast<int>(layout.max_depth + 1) * o.frame_height + ypad1 + ypad2;
  const int frames_width = o.width - 2 * kXPad;
  const double total = layout.total > 0 ? layout.total : 1;
  const int details_y = o.inverted ? fs * 3 + subtitle_height : height - ypad2 / 2;
  auto [bg1, bg2] =
      o.background ? std::pair<std::string_view, std::string_view>(o.background->first, o.background->second)
                   : background_gradient(o.palette);

  std::string out;
  out.reserve(4096 + layout.rects.size() * 260);
  auto bi = std::back_inserter(out);
  fmt::format_to(
      bi,
      "<?xml version=\"1.0\" standalone=\"no\"?>\n"
      "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
      "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
      "<svg version=\"1.1\" width=\"{0}\" height=\"{1}\" onload=\"init(evt)\" viewBox=\"0 0 {0} {1}\" "
      "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "xmlns:fg=\"urn:lambdascope:flamegraph\">\n"
      "<!-- Flame graph by lambdascope, in the style of https://github.com/brendangregg/FlameGraph -->\n",
      o.width, height);
  if (!o.notes.empty()) {
    out += "<!-- NOTES: ";
    std::string notes = xml_escape(o.notes);
    for (size_t pos; (pos = notes.find("--")) != std::string::npos;) notes.replace(pos, 2, "- -");
    out += notes;
    out += " -->\n";
  }
  fmt::format_to(bi,
                 "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
                 "<stop stop-color=\"{}\" offset=\"5%\"/><stop stop-color=\"{}\" offset=\"95%\"/>"
                 "</linearGradient></defs>\n",
                 xml_escape(bg1), xml_escape(bg2));
  fmt::format_to(bi,
                 "<style type=\"text/css\">\n"
                 "text {{ font-family:{0}; font-size:{1}px; fill:rgb(0,0,0); }}\n"
                 "#title {{ text-anchor:middle; font-size:{2}px; }}\n"
                 "#subtitle {{ text-anchor:middle; fill:rgb(160,160,160); }}\n"
                 "#search, #matched {{ text-anchor:end; }}\n"
                 "#search {{ opacity:0.1; cursor:pointer; }}\n"
                 "#search:hover, #search.show {{ opacity:1; }}\n"
                 "#unzoom {{ cursor:pointer; }}\n"
                 "#frames > g {{ cursor:pointer; }}\n"
                 "#frames > g:hover > rect {{ stroke:black; stroke-width:0.5; }}\n"
                 ".hide {{ display:none; }}\n"
                 ".parent {{ opacity:0.5; }}\n"
                 "</style>\n",
                 xml_escape(o.font_type), fs, fs + 5);
  out += "<script type=\"text/ecmascript\"><![CDATA[\n";
  out += script;
  out += "\n]]></script>\n";
  fmt::format_to(bi, "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"{}\" fill=\"url(#background)\"/>\n",
                 height);
  fmt::format_to(bi, "<text id=\"title\" x=\"50%\" y=\"{}\">{}</text>\n", fs * 2, xml_escape(o.title));
  if (!o.subtitle.empty())
    fmt::format_to(bi, "<text id=\"subtitle\" x=\"50%\" y=\"{}\">{}</text>\n", fs * 4,
                   xml_escape(o.subtitle));
  fmt::format_to(bi, "<text id=\"details\" x=\"{}\" y=\"{}\"> </text>\n", kXPad, details_y);
  fmt::format_to(bi, "<text id=\"unzoom\" class=\"hide\" x=\"{}\" y=\"{}\">Reset Zoom</text>\n", kXPad,
                 fs * 2);
  fmt::format_to(bi, "<text id=\"search\" x=\"{}\" y=\"{}\">Search</text>\n", o.width - kXPad, fs * 2);
  fmt::format_to(bi, "<text id=\"matched\" x=\"{}\" y=\"{}\"> </text>\n", o.width - kXPad, details_y);
  fmt::format_to(
      bi,
      "<svg id=\"frames\" x=\"{}\" width=\"{}\" fg:total=\"{}\" fg:nametype=\"{}\" fg:fontsize=\"{}\" "
      "fg:fontwidth=\"{}\" fg:inverted=\"{}\" fg:searchcolor=\"rgb(230,0,230)\">\n",
      kXPad, frames_width, format_units(layout.total), xml_escape(o.name_type), fs, o.font_width,
      o.inverted ? 1 : 0);

  const double char_px = fs * o.font_width;
  const std::string count_name = xml_escape(o.count_name);
  std::string name, title;
  for (const FlameRect& r : layout.rects) {
    bool root = r.type == FlameNodeType::kRoot;
    std::string_view raw = root ? std::string_view("all") : p.strings[r.name];
    std::string_view shown = r.type == FlameNodeType::kFrame ? display_name(raw) : raw;
    name = text::valid_utf8(shown);

    double pct = r.w * 100 / total;
    title = xml_escape(name);
    fmt::format_to(std::back_inserter(title), " ({} {}, ", format_count(r.w), count_name);
    if (root) {
      title += "100%)";
    } else if (layout.differential) {
      double delta = o.negate ? -r.delta : r.delta;
      double delta_pct = delta * 100 / total;
      if (delta == 0) {
        fmt::format_to(std::back_inserter(title), "{:.2f}%; 0.00%)", pct);
      } else {
        fmt::format_to(std::back_inserter(title), "{:.2f}%; {:+.2f}%)", pct, delta_pct);
      }
    } else {
      fmt::format_to(std::back_inserter(title), "{:.2f}%)", pct);
    }

    Rgb color;
    std::string annotated =
        r.type == FlameNodeType::kFrame ? annotated_name(raw, r.kind) : std::string(root ? "" : raw);
    if (!separator_color(raw, &color)) {
      if (layout.differential) {
        color = diff_color(o.negate ? -r.delta : r.delta, layout.max_abs_delta);
      } else {
        color = frame_color(o.palette, o.hash, annotated);
      }
    }

    int y = o.inverted ? ypad1 + static_cast<int>(r.depth) * o.frame_height
                       : height - ypad2 - static_cast<int>(r.depth + 1) * o.frame_height + 1;
    double x_pct = r.x * 100 / total;
    double width_px = r.w / total * frames_width;
    auto fit = static_cast<size_t>(width_px / char_px);
    std::string text;
    if (fit >= 3) {
      if (utf8_length(name) < fit) {
        text = xml_escape(name);
      } else {
        text = xml_escape(utf8_prefix(name, fit - 2));
        text += "..";
      }
    }
    fmt::format_to(
        bi,
        "<g{}><title>{}</title><rect x=\"{:.4f}%\" y=\"{}\" width=\"{:.4f}%\" height=\"{}\" "
        "fill=\"rgb({},{},{})\" fg:x=\"{}\" fg:w=\"{}\"/><text x=\"{:.4f}%\" y=\"{:.2f}\">{}</text></g>\n",
        root ? " class=\"root\"" : "", title, x_pct, y, r.w * 100 / total, o.frame_height - 1, color.r,
        color.g, color.b, format_units(r.x), format_units(r.w), x_pct + 300.0 / frames_width,
        y + (o.frame_height - 1) / 2.0 + 3, text);
  }
  out += "</svg>\n</svg>\n";
  return out;
}

}  // namespace lambdascope::render
