// Choosing which value column a view shows: --weight samples|period, or a sample type by name.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "profile/profile.hpp"

namespace lambdascope::profile {

// "samples": the sample-count column (each sample counts 1 when the input has none).
// "period": the first column that is not a count (perf's period, CPU or wall nanoseconds); the count column
//           when there is no other.
// Any other name: the sample type of that name. Throws std::invalid_argument when there is none.
// "" (no --weight given): `wall` when the profile has it, else as "samples".
size_t choose_value(const Profile& p, const std::string& weight);

}  // namespace lambdascope::profile
