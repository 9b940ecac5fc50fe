// Where the sampling agent (liblambdascope-agent.so) is, for `record` (to preload it) and `layer` (to pack
// it): LAMBDASCOPE_AGENT when set, else beside this binary (build tree) or in ../lib (installed, the layer).
// Never searches anywhere else: a stray agent of another version would write rings we cannot read.
#pragma once

#include <string>

namespace lambdascope::capture {

// The agent's absolute path. Throws std::runtime_error naming what was tried; `override_hint` ends that
// message with how the user can point at it ("set LAMBDASCOPE_AGENT to its path").
std::string find_agent(const std::string& override_hint);

}  // namespace lambdascope::capture
