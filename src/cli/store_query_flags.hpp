// The filters `pull` and `merge` share: which stored profiles to select, decided from their keys.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "store/profile_query.hpp"

namespace lambdascope::cli {

struct StoreQueryFlags {
  std::string function, since, until, phase, profile_type;
  std::optional<size_t> slowest;
  std::optional<int64_t> min_duration_ms;
  unsigned jobs = 8;

  void add_to(CLI::App* cmd);
  store::ProfileQuery query() const;  // throws std::invalid_argument on a bad time
};

}  // namespace lambdascope::cli
