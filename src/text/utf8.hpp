// Untrusted text in UTF-8 outputs (JSON, HTML, SVG, pprof's string table, folded lines, API bodies): frame
// names come from binaries, perf maps and JIT logs, and may hold any bytes. Every writer replaces each byte
// that is not part of valid UTF-8 with U+FFFD, the same way, using these helpers. Leaf module: it depends on
// nothing of ours and must never grow a dependency on the profile model.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lambdascope::text {

// U+FFFD, what every writer puts in place of a byte that is not part of valid UTF-8.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence of two to four bytes starting at s[i], or 0 when there is none there
// (overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid, as RFC 3629 says). ASCII
// bytes also return 0: callers handle them first.
size_t utf8_multibyte_length(std::string_view s, size_t i);

bool is_valid_utf8(std::string_view s);

// Appends `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
void append_valid_utf8(std::string& out, std::string_view s);
std::string valid_utf8(std::string_view s);

}  // namespace lambdascope::text
