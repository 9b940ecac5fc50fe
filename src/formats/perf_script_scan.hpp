// The byte-level half of the perf script block parser: one fast hash of text (wyhash-style, 16 bytes per
// multiply) used for every cache key, and the SSE2 scans over a frame line's blanks and hex address and to
// the empty line that ends a record. Pure functions of their input; no allocation, no parsing beyond bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lambdascope::formats::perf_script {

uint64_t fast_hash(std::string_view s, uint64_t seed);

// The start of the first empty line ("\n\n") in text[pos, pos + limit), or npos; and, made in the same pass
// with fast_hash's mixing, a hash of the text from `pos` up to it (not fast_hash's value: the length is not
// known when hashing starts).
size_t hash_to_empty_line(std::string_view text, size_t pos, size_t limit, uint64_t seed, uint64_t* hash);

// Skips spaces and tabs: the frame lines' fixed-width prefix ("\t" + a right-aligned 16-digit address).
const char* skip_blanks(const char* p, const char* e);
const char* skip_hex(const char* p, const char* e);

// A frame line "<blanks><hex address><blanks><rest>": <rest> (the key of the parser's raw-text cache), or
// empty when the line does not start that way.
std::string_view text_after_address(std::string_view line);

}  // namespace lambdascope::formats::perf_script
