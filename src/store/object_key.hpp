// The key layout every sink writes and every reader lists:
//   <prefix>/<function>/<YYYY>/<MM>/<DD>/<HH>/<start-ms>_<duration-ms>_<phase>_<request-id>[_<type>].pb.gz
// `_<type>` is there only for a profile the function's runtime wrote itself (the extension's inbox:
// cpu, heap, goroutine, mutex, block, ...), so one invocation can hold several objects side by side; the
// extension's own profile of an invocation has none.
// Time folders are UTC of the profile's start. Everything a filter needs (function, time, phase, duration,
// request id) is in the key, so `pull` and `merge` select objects by listing alone, and a listing can start
// at the first hour of a time range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambdascope::store {

struct ProfileKey {
  std::string function;  // AWS_LAMBDA_FUNCTION_NAME; no '/'
  int64_t start_ms = 0;  // Unix epoch milliseconds, UTC
  int64_t duration_ms = 0;
  std::string phase;              // "init" or "invoke"
  std::string request_id;         // for init profiles: the sandbox's id
  std::string profile_type = {};  // empty: sampled by the agent; else what the runtime's own profile holds
};

// Characters outside [A-Za-z0-9._-] in phase, request id and profile type are replaced by '-', so a key never
// has a path separator or an underscore that a parser would misread ('_' separates fields; request ids are
// UUIDs, function names may hold '_', which is kept in the function folder where it is harmless).
std::string object_key(std::string_view prefix, const ProfileKey& key);

// The folder of one hour of a function: "<prefix>/<function>/<YYYY>/<MM>/<DD>/<HH>/" (prefix may be empty).
std::string hour_folder(std::string_view prefix, std::string_view function, int64_t ms);

// Parses a key produced by object_key() with the same prefix; nullopt for anything else (other files in
// the bucket or directory are skipped, not errors).
std::optional<ProfileKey> parse_object_key(std::string_view key, std::string_view prefix);

}  // namespace lambdascope::store
