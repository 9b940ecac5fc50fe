#include "text/markup_escape.hpp"

#include "text/utf8.hpp"

namespace lambdascope::text {

void append_markup_escaped(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t n = utf8_multibyte_length(text, i);
      out.append(n == 0 ? kReplacement : text.substr(i, n));
      i += n == 0 ? 1 : n;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\t') {
          out += kReplacement;  // not allowed in XML 1.0
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

std::string markup_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_markup_escaped(out, text);
  return out;
}

}  // namespace lambdascope::text
