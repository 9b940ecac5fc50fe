// Untrusted text (frame names, titles, notes) made safe for HTML and XML content and attribute values: the
// five markup characters become entities, and invalid UTF-8 and control characters (not allowed in XML 1.0)
// become U+FFFD. One implementation for the HTML pages and the SVG.
#pragma once

#include <string>
#include <string_view>

namespace lambdascope::text {

void append_markup_escaped(std::string& out, std::string_view text);
std::string markup_escape(std::string_view text);

}  // namespace lambdascope::text
