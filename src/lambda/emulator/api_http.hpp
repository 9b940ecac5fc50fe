// Small glue between ApiResponse and httplib, shared by the API route files.
#pragma once

#include <httplib.h>

#include "lambda/emulator/sandbox_state.hpp"

namespace lambdascope::lambda {

inline void send(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  res.set_content(r.body, r.content_type.c_str());
}

}  // namespace lambdascope::lambda
