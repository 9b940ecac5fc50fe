// Differential profiles: two profiles aligned on (thread name, stack), giving one sample per distinct path
// with two values, base then new. Renderers color by new - base; "vanished" paths have new == 0.
#pragma once

#include "profile/profile.hpp"

namespace lambdascope::profile {

struct DiffOptions {
  size_t base_value_index = 0;
  size_t new_value_index = 0;
  // Scale base so its total equals new's (difffolded.pl -n): compares shapes when the two ran for different
  // lengths of time.
  bool normalize = false;
};

// Result sample types: {"base", unit}, {"new", unit}; pid, tid, time and labels are
// dropped, thread names kept.
Profile diff(const Profile& base, const Profile& next, const DiffOptions& options = {});

}  // namespace lambdascope::profile
