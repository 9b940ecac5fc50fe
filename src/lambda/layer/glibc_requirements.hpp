// Which glibc an ELF file needs: the newest GLIBC_x.y among its version references (.gnu.version_r), which
// the dynamic loader checks before running anything. `lambdascope layer` warns about files that need more
// than Amazon Linux 2023's glibc 2.34, so a layer built on a newer system says it will not load.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace lambdascope::lambda::layer {

// The glibc Lambda's Amazon Linux 2023 runtimes have.
inline constexpr std::pair<int, int> kLambdaGlibc{2, 34};

// "GLIBC_2.36" -> {2, 36}; nullopt for anything else ("GLIBC_PRIVATE", "GCC_3.0").
std::optional<std::pair<int, int>> parse_glibc_version(const std::string& name);

// The newest GLIBC_x.y the file requires, e.g. "GLIBC_2.34"; "" when it requires none. Throws
// std::runtime_error when the file cannot be read as ELF.
std::string newest_glibc_required(const std::string& path);

}  // namespace lambdascope::lambda::layer
