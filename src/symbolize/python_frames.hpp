// CPython's frames as Python users read them. The interpreter (3.12+, PYTHONPERFSUPPORT=1 / -X perf) names
// each function's perf trampoline `py::qualname:/path/file.py` in /tmp/perf-PID.map: that becomes
// `qualname (file.py)`, an interpreted frame whose module and file are the script's path. Also says which
// native frames are the interpreter's own (the python binary, libpython), for collapsing them. Names are
// untrusted text: kept as they are, never interpreted.
#pragma once

#include <string_view>

#include "symbolize/symbolizer.hpp"

namespace lambdascope::symbolize {

// Rewrites a perf-map frame named `py::...` into a Python frame; returns false (frame untouched) otherwise.
bool python_frame_from_perf_map(SymFrame* frame);

// True for frames of the interpreter's own code: a module named python3*, python or libpython3*.
bool is_python_interpreter_module(std::string_view module);

}  // namespace lambdascope::symbolize
