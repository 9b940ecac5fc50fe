// gperftools' heap profile (text, "heap profile: 1: 2 [3: 4] @ heapprofile"), which Go's runtime wrote too
// before Go 1.11 ("@ heap/1048576"), read by pprof's rules. read_gperftools_cpu hands such inputs over, so
// both legacy gperftools formats are one input format to the user.
#pragma once

#include <string>
#include <string_view>

#include "formats/read_options.hpp"
#include "profile/profile.hpp"

namespace lambdascope::formats {

inline bool looks_like_heap_profile(std::string_view s) {
  return s.starts_with("heap profile:");
}

profile::Profile read_gperftools_heap(const std::string& name, std::string_view text,
                                      const ReadOptions& options);

}  // namespace lambdascope::formats
