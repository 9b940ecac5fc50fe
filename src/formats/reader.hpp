// Reading any supported format into a Profile: sniff the content, then hand the input to that format's
// reader.
#pragma once

#include <string>

#include "formats/input_source.hpp"
#include "formats/read_options.hpp"
#include "profile/profile.hpp"

namespace lambdascope::formats {

// Throws ParseError (with file and line or byte offset) on bad input.
profile::Profile read_profile(InputSource& in, const ReadOptions& options = {});
profile::Profile read_profile_file(const std::string& path, const ReadOptions& options = {});

// The readers, one per format (each in its own <format>_reader.cpp).
profile::Profile read_perf_script(InputSource& in, const ReadOptions& options);
profile::Profile read_folded(InputSource& in, const ReadOptions& options);
profile::Profile read_pprof(InputSource& in, const ReadOptions& options);
profile::Profile read_gperftools_cpu(InputSource& in, const ReadOptions& options);
profile::Profile read_cpuprofile(InputSource& in, const ReadOptions& options);
profile::Profile read_chrome_trace(InputSource& in, const ReadOptions& options);
profile::Profile read_speedscope(InputSource& in, const ReadOptions& options);

}  // namespace lambdascope::formats
