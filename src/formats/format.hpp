// The formats lambdascope reads and writes, and content sniffing: a format is recognized by its bytes, never
// by the file name, so renamed and piped inputs work.
#pragma once

#include <optional>
#include <string_view>

namespace lambdascope::formats {

enum class Format {
  kUnknown,
  kPerfScript,     // `perf script` text
  kFolded,         // collapsed stacks, "a;b;c 12"
  kPprof,          // profile.proto (gzip is handled by InputSource)
  kGperftoolsCpu,  // legacy gperftools CPU profile (binary), or its heap profile (text)
  kCpuProfile,     // V8 / Chrome .cpuprofile JSON
  kChromeTrace,    // Chrome trace JSON with Profile/ProfileChunk events
  kSpeedscope,     // speedscope file format JSON
};

std::string_view format_name(Format f);  // "perf-script", "folded", "pprof", ...
std::optional<Format> parse_format_name(std::string_view name);

// Decides from the first bytes of the decompressed input (a few KB are enough; 64 KiB is what callers pass).
Format sniff(std::string_view head);

}  // namespace lambdascope::formats
