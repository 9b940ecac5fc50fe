// The labels every stored profile of a window carries on every sample, whoever recorded it (the agent's
// rings or the runtime's own profile from the inbox): request_id (the sandbox's id for init), phase,
// cold_start and sandbox, so that `go tool pprof -tagfocus` and merges can tell invocations apart.
#pragma once

#include <string>
#include <vector>

#include "lambda/extension/window.hpp"
#include "profile/profile.hpp"

namespace lambdascope::lambda::extension {

// The request id a window's objects are stored under: the invocation's, or the sandbox's for init.
inline const std::string& window_request_id(const Window& w, const std::string& sandbox) {
  return w.phase == Phase::kInit ? sandbox : w.request_id;
}

std::vector<profile::Label> invocation_labels(profile::Profile& p, const Window& w,
                                              const std::string& sandbox);

}  // namespace lambdascope::lambda::extension
