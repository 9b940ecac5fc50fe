#include "profile/frame.hpp"

namespace lambdascope::profile {

namespace {
constexpr std::string_view kKindNames[] = {"native", "kernel", "jit", "interpreted", "inlined", "waiting"};
}

std::string_view frame_kind_name(FrameKind kind) {
  return kKindNames[static_cast<size_t>(kind)];
}

bool parse_frame_kind(std::string_view name, FrameKind* out) {
  for (size_t i = 0; i < std::size(kKindNames); ++i)
    if (kKindNames[i] == name) {
      *out = static_cast<FrameKind>(i);
      return true;
    }
  return false;
}

}  // namespace lambdascope::profile
