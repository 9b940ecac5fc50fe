#include "lambda/extension/invocation_labels.hpp"

namespace lambdascope::lambda::extension {

std::vector<profile::Label> invocation_labels(profile::Profile& p, const Window& w,
                                              const std::string& sandbox) {
  return {
      {p.intern("request_id"), p.intern(window_request_id(w, sandbox)), 0, 0},
      {p.intern("phase"), p.intern(phase_name(w.phase)), 0, 0},
      {p.intern("cold_start"), p.intern(w.cold_start ? "true" : "false"), 0, 0},
      {p.intern("sandbox"), p.intern(sandbox), 0, 0},
  };
}

}  // namespace lambdascope::lambda::extension
