// The profile of a selection, in the formats the API serves: stored invocations merged through the parsed
// profile cache (store::merge_objects), or one profile file cut to a time range. The bytes are what the CLI
// would write: `folded` is `lambdascope collapse` of `lambdascope merge` (or of `collapse --from --to FILE`).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "profile/profile.hpp"
#include "server/catalog.hpp"
#include "server/profile_cache.hpp"
#include "server/selection.hpp"

namespace lambdascope::server {

enum class OutputFormat { kFolded, kPprof, kSpeedscope, kPage, kNestedSet };

// "folded", "pprof", "speedscope", "page", "nested-set" (Grafana's flame graph panel, /flamegraph.json);
// throws BadParameter naming `format`.
OutputFormat parse_output_format(const std::string& name);

struct SelectedProfile {
  profile::Profile profile;
  size_t invocations = 0;  // profiles merged (1 for a file)
  bool from_store = true;  // merged stored profiles (the folded bytes go through pprof, as merge's file does)
  std::string label;       // for titles: the function, or the file name
};

using Progress = std::function<void(size_t done, size_t total)>;

class SelectedProfiles {
 public:
  SelectedProfiles(Catalog& catalog, ProfileCache& cache, unsigned jobs)
      : catalog_(catalog), cache_(cache), jobs_(jobs) {}

  // The merged profile of a selection. `keep_times` keeps per-sample times (the heat map view). Throws
  // BadParameter, NotFound (also when nothing is selected), or what reading and merging throw.
  SelectedProfile load(const Selection& selection, bool keep_times, const Progress& progress);

  // Each invocation's own parsed profile (aggregated), by key, through the cache.
  std::map<std::string, std::shared_ptr<const profile::Profile>> parsed(
      const std::vector<const Invocation*>& invocations);

 private:
  Catalog& catalog_;
  ProfileCache& cache_;
  unsigned jobs_;
};

// The bytes of `p` in `format`, and their content type. `view` ("flamegraph" or "heatmap") is the page kind.
struct Rendered {
  std::string content_type;
  std::string body;
};
// `max_nodes`: the row budget of the nested set.
Rendered render_profile(const SelectedProfile& p, OutputFormat format, const std::string& view,
                        size_t max_nodes = 5000);

}  // namespace lambdascope::server
