#include "cli/store_query_flags.hpp"

#include <chrono>

namespace lambdascope::cli {

void StoreQueryFlags::add_to(CLI::App* cmd) {
  cmd->add_option("--function", function, "Only this function (default: every function under the prefix)");
  cmd->add_option("--since", since,
                  "Profiles that started at or after: 30m, 1h, 2d back from now, RFC 3339 or epoch ms");
  cmd->add_option("--until", until, "Profiles that started before (same forms as --since)");
  cmd->add_option("--phase", phase, "Only init or invoke profiles")->check(CLI::IsMember({"init", "invoke"}));
  cmd->add_option("--profile-type", profile_type,
                  "Only profiles of this type: agent (the extension's own), or what a runtime left in the "
                  "inbox: cpu, heap, goroutine, mutex, block");
  cmd->add_option("--slowest", slowest, "Only the N longest (by the duration in the key)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--min-duration", min_duration_ms, "Only profiles that lasted at least MS milliseconds")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-j,--jobs", jobs, "Parallel downloads")->check(CLI::Range(1, 64))->capture_default_str();
}

store::ProfileQuery StoreQueryFlags::query() const {
  store::ProfileQuery q;
  q.function = function;
  q.phase = phase;
  q.profile_type = profile_type;
  q.slowest = slowest;
  q.min_duration_ms = min_duration_ms;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  if (!since.empty()) q.since_ms = store::parse_time_flag(since, now);
  if (!until.empty()) q.until_ms = store::parse_time_flag(until, now);
  if (q.since_ms && q.until_ms && *q.since_ms >= *q.until_ms) {
    throw std::invalid_argument("--since " + since + " is not before --until " + until);
  }
  return q;
}

}  // namespace lambdascope::cli
