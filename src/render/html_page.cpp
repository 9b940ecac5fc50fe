#include "render/html_page.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "render/payload_encoding.hpp"
#include "text/markup_escape.hpp"

namespace lambdascope::render {

namespace {

bool contains_script_end(std::string_view text) {
  static constexpr std::string_view kEnd = "</script";
  auto it = std::search(text.begin(), text.end(), kEnd.begin(), kEnd.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != text.end();
}

}  // namespace

std::string html_escape(std::string_view text) {
  return text::markup_escape(text);
}

std::string html_page(std::string_view title, std::string_view payload_json, std::string_view bundle,
                      PayloadEncoding encoding) {
  if (contains_script_end(bundle))
    throw std::invalid_argument("the web bundle contains \"</script\" and cannot be embedded in a page");
  std::string data;
  std::string_view encoding_name;
  if (encoding == PayloadEncoding::kGzipBase64) {
    data = base64_encode(gzip_compress(payload_json, payload_gzip_level(payload_json.size())));
    encoding_name = "gzip+base64";
  } else {
    // '<' only occurs inside JSON strings, where \u003c means the same character.
    data.reserve(payload_json.size());
    for (char c : payload_json) {
      if (c == '<') {
        data += "\\u003c";
      } else {
        data += c;
      }
    }
    encoding_name = "json";
  }
  std::string out;
  out.reserve(data.size() + bundle.size() + 512);
  out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";
  out += html_escape(title);
  out +=
      "</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\n<body>\n";
  out += "<div id=\"lambdascope-app\"></div>\n";
  out += "<script type=\"application/octet-stream\" id=\"lambdascope-data\" data-encoding=\"";
  out += encoding_name;
  out += "\">";
  out += data;
  out += "</script>\n<script>";
  out += bundle;
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace lambdascope::render
