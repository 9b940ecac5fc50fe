// The JSON API of `serve` (docs/serve.md), independent of HTTP: each endpoint takes the decoded query
// parameters and returns the body. Errors are exceptions: BadParameter (400), NotFound (404), anything else
// (a corrupt stored profile, an S3 failure) 500.
#pragma once

#include <list>
#include <mutex>
#include <string>

#include "server/catalog.hpp"
#include "server/profile_cache.hpp"
#include "server/selected_profiles.hpp"
#include "server/selection.hpp"

namespace lambdascope::server {

class Api {
 public:
  Api(Catalog& catalog, ProfileCache& cache, unsigned jobs)
      : catalog_(catalog), cache_(cache), profiles_(catalog, cache, jobs) {}

  std::string functions(const Params& params);
  std::string invocations(const Params& params);
  std::string files(const Params& params);
  // `progress` is told of merged profiles (the ndjson form of the answer); may throw to cancel.
  Rendered profile(const Params& params, const Progress& progress = {});
  Rendered diff(const Params& params, const Progress& progress = {});
  std::string why_slow(const Params& params);

 private:
  Catalog& catalog_;
  ProfileCache& cache_;
  SelectedProfiles profiles_;
  // The last few merged answers of stored selections, by (format, view, selected keys): looking at the same
  // selection again (a page reload, switching views back) merges nothing.
  struct Answer {
    std::string id;
    Rendered rendered;
  };
  std::mutex answers_mutex_;
  std::list<Answer> answers_;  // most recent first
};

// The current time, for relative `since`/`until` ("1h").
int64_t now_ms();

}  // namespace lambdascope::server
