// The HTML shell of docs/page-data.md: one self-contained file holding the web UI bundle and the payload,
// that opens from file:// with no network. The title is escaped; a bundle that could close its <script>
// element is refused rather than written.
#pragma once

#include <string>
#include <string_view>

namespace lambdascope::render {

enum class PayloadEncoding {
  kGzipBase64,  // the default: gzip then base64, decoded by the bundle with DecompressionStream
  kJson,        // the JSON inline (every '<' as \u003c), for tests and debugging
};

// Throws std::invalid_argument when `bundle` contains "</script" (in any letter case).
std::string html_page(std::string_view title, std::string_view payload_json, std::string_view bundle,
                      PayloadEncoding encoding = PayloadEncoding::kGzipBase64);

// Text escaped for HTML element content and attribute values (& < > " ').
std::string html_escape(std::string_view text);

}  // namespace lambdascope::render
