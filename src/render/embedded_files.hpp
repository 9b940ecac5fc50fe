// Files built into the binary: the web UI bundle every HTML page embeds, and the script that makes SVG flame
// graphs interactive. Both are generated at build time (src/CMakeLists.txt), so the binary needs nothing on
// disk.
#pragma once

#include <string_view>

namespace lambdascope::render {

// The web UI (web/src/main.ts bundled by esbuild into one IIFE).
std::string_view web_bundle();
// The script embedded in SVG flame graphs (render/flame_graph_svg.js).
std::string_view flame_graph_svg_script();

}  // namespace lambdascope::render
