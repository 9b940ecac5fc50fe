// GET /: the live flame graph page. The server renders the existing flame graph page (the web UI bundle, with
// search, zoom and sandwich) over the last N seconds, and adds a bar that reloads it every few seconds,
// pauses and picks the window. View state lives in the URL hash, so it survives each reload. Escapes what it
// writes.
#pragma once

#include <string>
#include <string_view>

#include "profile/profile.hpp"

namespace lambdascope::live {

struct LivePageOptions {
  std::string title;  // the command's name
  int seconds = 60;   // window shown
  bool paused = false;
  int refresh_s = 5;
};

std::string live_page_html(const profile::Profile& window, const LivePageOptions& options);

}  // namespace lambdascope::live
