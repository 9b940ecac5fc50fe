// The selection parameters every endpoint shares (docs/serve.md): which stored invocations (function, since,
// until, phase, min_duration, max_duration, repeatable key) or which profile file and time range (file,
// from, to). Parsing names the bad parameter; resolving names only what the listing holds.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/catalog.hpp"
#include "store/profile_query.hpp"

namespace lambdascope::server {

using Params = std::multimap<std::string, std::string>;

// A 400: `parameter` is the query parameter at fault.
class BadParameter : public std::invalid_argument {
 public:
  BadParameter(std::string parameter, const std::string& message)
      : std::invalid_argument(message), parameter_(std::move(parameter)) {}
  const std::string& parameter() const { return parameter_; }

 private:
  std::string parameter_;
};

// A 404: an unknown function, key or file.
class NotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Selection {
  store::ProfileQuery query;  // function, since, until, phase, min_duration
  std::optional<int64_t> max_duration_ms;
  std::vector<std::string> keys;
  std::string file;  // a file selection when not empty
  std::optional<double> from_s, to_s;
};

// Splits a query string ("a=1&b=x%20y") into decoded parameters; a '+' is a space. Throws BadParameter
// (naming `parameter`) on a bad %-escape.
Params parse_query_string(const std::string& text, const std::string& parameter);

// Throws BadParameter. `now_ms` anchors relative times ("1h").
Selection parse_selection(const Params& params, int64_t now_ms);

// The value of a parameter that may appear at most once; nullopt when absent. Throws BadParameter.
std::optional<std::string> single(const Params& params, const std::string& name);

// The invocations a (non-file) selection picks, in listing order. Throws NotFound for an unknown function
// or key.
std::vector<const Invocation*> resolve(const Listing& listing, const Selection& selection);

// The file a file selection names. Throws NotFound unless it is exactly a listed file's name.
const ProfileFile& resolve_file(const Listing& listing, const Selection& selection);

}  // namespace lambdascope::server
