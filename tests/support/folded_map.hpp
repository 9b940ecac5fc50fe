// Folded stacks as a map "root;...;leaf" -> weight (identical stacks summed), so a test compares a profile
// with an independent derivation or two profiles with each other without caring about line order.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "profile/profile.hpp"

namespace lambdascope::testing {

using FoldedMap = std::map<std::string, double>;

// Lines "stack weight" (the weight after the last space); lines without a space are skipped.
FoldedMap parse_folded_weights(const std::string& folded_text);
// The profile written as folded stacks (formats::write_folded) with this sample type, and with or without the
// thread name as root frame.
FoldedMap folded_map(const profile::Profile& p, size_t value_index = 0, bool thread_root = true);

}  // namespace lambdascope::testing
