// Helpers for the render tests: small profiles from "a;b;c" stacks, the inferno fixtures' folded text read
// through the folded reader, and a reader for the frames of flamegraph.pl/inferno-style SVGs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "profile/profile.hpp"

namespace lambdascope::render::test {

inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t end = s.find(sep, pos);
    out.emplace_back(s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

// Frames of a stack "a;b_[k];c": the annotation suffixes _[k] _[j] _[i] become frame kinds.
inline profile::StackId intern_folded_stack(profile::Profile& p, std::string_view stack) {
  std::vector<profile::FrameId> frames;
  for (std::string name : split(stack, ';')) {
    profile::FrameKind kind = profile::FrameKind::kNative;
    if (name.size() >= 4 && name.compare(name.size() - 4, 2, "_[") == 0 && name.back() == ']') {
      char a = name[name.size() - 2];
      if (a == 'k') kind = profile::FrameKind::kKernel;
      if (a == 'j') kind = profile::FrameKind::kJit;
      if (a == 'i') kind = profile::FrameKind::kInlined;
      if (kind != profile::FrameKind::kNative) name.resize(name.size() - 4);
    }
    frames.push_back(p.intern_frame(name, {}, kind));
  }
  return p.intern_stack(frames);
}

// A sample per "a;b;c t" entry (one count, time t in ns; kNoTime for none), thread name `comm`.
inline profile::Profile make_profile(const std::vector<std::pair<std::string, int64_t>>& samples,
                                     const std::string& comm = "", std::vector<double> weights = {}) {
  profile::Profile p;
  p.meta.sample_types = {{"samples", "count"}};
  for (size_t i = 0; i < samples.size(); ++i) {
    double w = weights.empty() ? 1.0 : weights[i];
    profile::SampleRow row;
    row.stack = intern_folded_stack(p, samples[i].first);
    row.values = {&w, 1};
    row.time_ns = samples[i].second;
    row.tid = 7;
    row.pid = 7;
    row.thread_name = p.intern(comm);
    p.add_sample(row);
  }
  return p;
}

// Folded text through the folded reader (formats/folded_reader.cpp): "stack count" lines give the sample type
// "samples", two-count lines "base" and "new". `reverse_lines`: the lines in reverse order first.
inline profile::Profile parse_folded(std::string text, bool reverse_lines = false) {
  if (reverse_lines) {
    std::vector<std::string> lines = split(text, '\n');
    std::erase(lines, "");
    std::reverse(lines.begin(), lines.end());
    text.clear();
    for (const std::string& l : lines) text += l + "\n";
  }
  auto in = formats::InputSource::from_memory("folded", std::move(text));
  formats::ReadOptions o;
  o.format = formats::Format::kFolded;
  return formats::read_profile(*in, o);
}

inline std::string base64_decode(std::string_view s) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// --- SVG frames ---

inline std::string xml_unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t semi = s.find(';', i);
    std::string_view e = s.substr(i + 1, semi - i - 1);
    if (e == "lt")
      out += '<';
    else if (e == "gt")
      out += '>';
    else if (e == "amp")
      out += '&';
    else if (e == "quot")
      out += '"';
    else if (e == "apos" || e == "#39")
      out += '\'';
    else
      out += "&" + std::string(e) + ";";
    i = semi;
  }
  return out;
}

inline std::string attribute(std::string_view tag, std::string_view name) {
  std::string key = " " + std::string(name) + "=\"";
  size_t pos = tag.find(key);
  if (pos == std::string_view::npos) return {};
  pos += key.size();
  return std::string(tag.substr(pos, tag.find('"', pos) - pos));
}

struct SvgFrame {
  std::string name;     // the title up to its last " ("
  std::string title;    // the whole title, unescaped
  int depth = 0;        // from y: 0 for "all"
  double x = 0, w = 0;  // fg:x, fg:w
  std::string fill;
  int y = 0;
  bool operator<(const SvgFrame& o) const {
    return std::tie(depth, x, name, w) < std::tie(o.depth, o.x, o.name, o.w);
  }
};

// The frames of an SVG flame graph: every <g> holding a <title> and a <rect> with fg:x / fg:w.
inline std::vector<SvgFrame> svg_frames(std::string_view svg, bool inverted) {
  std::vector<SvgFrame> frames;
  int frame_height = 0;
  for (size_t pos = 0; (pos = svg.find("<g", pos)) != std::string_view::npos;) {
    size_t title = svg.find("<title>", pos);
    size_t next_g = svg.find("<g", pos + 2);
    if (title == std::string_view::npos || (next_g != std::string_view::npos && title > next_g)) {
      pos += 2;
      continue;
    }
    size_t title_end = svg.find("</title>", title);
    size_t rect = svg.find("<rect", title_end);
    size_t rect_end = svg.find("/>", rect);
    std::string_view tag = svg.substr(rect, rect_end - rect);
    SvgFrame f;
    f.title = xml_unescape(svg.substr(title + 7, title_end - title - 7));
    f.name = f.title.substr(0, f.title.rfind(" ("));
    f.x = std::strtod(attribute(tag, "fg:x").c_str(), nullptr);
    f.w = std::strtod(attribute(tag, "fg:w").c_str(), nullptr);
    f.fill = attribute(tag, "fill");
    f.y = std::atoi(attribute(tag, "y").c_str());
    frame_height = std::atoi(attribute(tag, "height").c_str()) + 1;
    frames.push_back(f);
    pos = rect_end;
  }
  // The root spans the total and is the outermost of the frames that do.
  double total = 0;
  for (const SvgFrame& f : frames) total = std::max(total, f.w);
  int root_y = inverted ? 1 << 30 : -1;
  for (const SvgFrame& f : frames)
    if (f.w == total) root_y = inverted ? std::min(root_y, f.y) : std::max(root_y, f.y);
  for (SvgFrame& f : frames)
    f.depth = frame_height ? (inverted ? f.y - root_y : root_y - f.y) / frame_height : 0;
  std::sort(frames.begin(), frames.end());
  return frames;
}

// Compares the frames (name, depth, fg:x, fg:w, the whole title, and fill when `colors`) of two SVGs,
// reporting the first differences. One known reader difference: a line ending in "; 3" has a last frame " "
// for flamegraph.pl and our folded reader, while inferno trims the line first and gets "" (perf-vertx has
// one); that frame's name, title and color are not compared.
inline void expect_same_frames(const std::string& want_svg, const std::string& got_svg, bool inverted,
                               bool colors) {
  std::vector<SvgFrame> want = svg_frames(want_svg, inverted);
  std::vector<SvgFrame> got = svg_frames(got_svg, inverted);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got.size(), want.size());
  int reported = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()) && reported < 5; ++i) {
    const SvgFrame& a = want[i];
    const SvgFrame& b = got[i];
    bool lone_space = a.name.empty() && b.name == " ";
    if ((a.name != b.name && !lone_space) || a.depth != b.depth || a.x != b.x || a.w != b.w) {
      ADD_FAILURE() << "frame " << i << ": inferno has \"" << a.name << "\" depth " << a.depth << " x " << a.x
                    << " w " << a.w << ", we have \"" << b.name << "\" depth " << b.depth << " x " << b.x
                    << " w " << b.w;
      ++reported;
    } else if (a.title != b.title && !lone_space) {
      ADD_FAILURE() << "frame " << i << " title: inferno \"" << a.title << "\", ours \"" << b.title << "\"";
      ++reported;
    } else if (colors && a.fill != b.fill && !lone_space) {
      ADD_FAILURE() << "frame " << i << " (" << a.name << ") fill: inferno " << a.fill << ", ours " << b.fill;
      ++reported;
    }
  }
}

}  // namespace lambdascope::render::test
