#include "symbolize/python_frames.hpp"

namespace lambdascope::symbolize {

namespace {

constexpr std::string_view kPrefix = "py::";

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool python_frame_from_perf_map(SymFrame* frame) {
  std::string_view name = frame->name;
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  name.remove_prefix(kPrefix.size());
  // A qualified name has no ':' ("Handler.run.<locals>.inner", "<module>"); the file name may have them.
  size_t colon = name.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  std::string_view function = name.substr(0, colon);
  std::string_view file = name.substr(colon + 1);
  std::string pretty(function);
  if (!file.empty()) {
    pretty += " (";
    pretty += base_name(file);
    pretty += ')';
  }
  frame->module = std::string(file);
  frame->file = std::string(file);
  frame->name = std::move(pretty);
  frame->kind = profile::FrameKind::kInterpreted;
  return true;
}

bool is_python_interpreter_module(std::string_view module) {
  std::string_view base = base_name(module);
  if (base.substr(0, 3) == "lib") base.remove_prefix(3);
  if (base.substr(0, 6) != "python") return false;
  base.remove_prefix(6);
  // python, python3, python3.13, python3.13d, libpython3.13.so.1.0; not python-foo helpers or modules.
  return base.empty() || base[0] == '3' || base[0] == '.';
}

}  // namespace lambdascope::symbolize
