// How a page carries its payload: gzip (RFC 1952, which the browser's DecompressionStream('gzip') reads),
// then base64 (RFC 4648, no line breaks), as docs/page-data.md says. Pure functions; no I/O.
#pragma once

#include <string>
#include <string_view>

namespace lambdascope::render {

// libdeflate's levels, 1 (fastest) to 12 (smallest). Throws std::runtime_error if compression fails.
std::string gzip_compress(std::string_view data, int level = 6);
// The level a page payload of `size` bytes is compressed with: 6 (a 1M-sample heat map's 38 MB of JSON in
// 0.7 s to 5.6 MB; level 9 takes 9x longer for 4% less), 1 above 64 MB so huge recordings stay quick.
int payload_gzip_level(size_t size);
std::string base64_encode(std::string_view data);

}  // namespace lambdascope::render
