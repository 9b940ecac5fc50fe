// V8 .cpuprofile (node --cpu-prof, Chrome DevTools' "Save profile"): the DevTools protocol's Profiler.Profile
// as one JSON object, or its older tree form (v8-profiler-node8). The V8 rules are in v8_profile.hpp. The
// format names no process or thread, so pid, tid and thread name stay unknown.
#include "formats/json_input.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/v8_profile.hpp"

namespace lambdascope::formats {

profile::Profile read_cpuprofile(InputSource& in, const ReadOptions& options) {
  JsonDocument doc(in);
  profile::Profile p;
  set_v8_metadata(p.meta);
  p.meta.set_attribute(profile::attr::kSourceFormat, "cpuprofile");
  V8ProfileBuilder builder(doc, p);
  read_v8_profile(doc, doc.root(), doc.root_path(), 0, builder);
  V8BuildResult r = builder.build(V8Thread{}, options.aggregate);
  p.meta.start_ns = r.first_ns;
  p.meta.end_ns = r.last_ns;
  if (r.first_ns != profile::kNoTime && __builtin_sub_overflow(r.last_ns, r.first_ns, &p.meta.duration_ns))
    p.meta.duration_ns = 0;
  p.meta.period = r.median_interval_ns;
  return p;
}

}  // namespace lambdascope::formats
