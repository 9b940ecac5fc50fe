// Preparing profiles for a comparison the way difffolded.pl does: hex numbers in frame names (JIT addresses,
// unsymbolized code) stripped so the same code matches across runs, and its integer normalization for
// two-count folded output. The diff itself is profile::diff.
#pragma once

#include "profile/profile.hpp"

namespace lambdascope::profile {

// A copy of `p` with every "0x<hex digits>" in frame names replaced by "0x..." (difffolded.pl -s); frames
// that become equal merge. Labels are dropped; a comparison does not use them.
Profile strip_hex_addresses(const Profile& p);

// For a profile made by profile::diff (values base, new) without normalization: scales each base value to
// new's total and truncates it to an integer, as difffolded.pl -n prints it.
void difffolded_normalize(Profile& diff);

}  // namespace lambdascope::profile
