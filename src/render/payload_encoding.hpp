// How a page carries its payload: gzip (RFC 1952, which the browser's DecompressionStream('gzip') reads),
// then base64 (RFC 4648, no line breaks), as docs/page-data.md says. Pure functions; no I/O.
#pragma once

#include <string>
#include <string_view>

namespace lambdascope::render {

// libdeflate's levels, 1 (fastest) to 12 (smallest). Throws std::runtime_error if compression fails.
std::string gzip_compress(std::string_view data, int level = 9);
std::string base64_encode(std::string_view data);

}  // namespace lambdascope::render
