// Untrusted text in UTF-8 outputs (JSON, HTML, SVG, API bodies): frame names come from binaries, perf maps
// and JIT logs, and may hold any bytes. These helpers find what is valid UTF-8 so writers can replace the
// rest with U+FFFD instead of emitting a file that fails to parse.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lambdascope::profile {

// Length of the valid UTF-8 sequence of two to four bytes starting at s[i], or 0 when there is none there
// (overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid, as RFC 3629 says). ASCII
// bytes also return 0: callers handle them first.
size_t utf8_multibyte_length(std::string_view s, size_t i);

// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

}  // namespace lambdascope::profile
