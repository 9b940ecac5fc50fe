// The interpreter's own C frames inside Python code, left out of a stack by default: between two Python
// frames (the call machinery: _PyEval_EvalFrameDefault, _PyFunction_Vectorcall, ...) and below the innermost
// one (the interpreter running that function's bytecode), so a Python stack reads as Python. The frames above
// the outermost Python frame (main, Py_RunMain) stay, as do frames of any other object (libc, C extensions):
// they are not the interpreter's. Works on interned frames; never changes a stack without Python frames.
#pragma once

#include <unordered_map>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::capture {

class PythonCollapse {
 public:
  explicit PythonCollapse(const profile::Profile& p) : p_(p) {}
  // `leaf_first`: a stack, innermost frame first; edited in place.
  void apply(std::vector<profile::FrameId>& leaf_first);

 private:
  enum Class : uint8_t { kOther, kPython, kInterpreter };
  Class class_of(profile::FrameId id);

  const profile::Profile& p_;
  std::unordered_map<profile::FrameId, Class> classes_;
};

}  // namespace lambdascope::capture
