#include "capture/python_collapse.hpp"

#include "symbolize/python_frames.hpp"

namespace lambdascope::capture {

PythonCollapse::Class PythonCollapse::class_of(profile::FrameId id) {
  auto [it, inserted] = classes_.try_emplace(id, kOther);
  if (inserted) {
    const profile::Frame& f = p_.frames[id];
    // Python frames are the only interpreted frames the symbolizer makes (symbolize/python_frames.hpp).
    if (f.kind == profile::FrameKind::kInterpreted)
      it->second = kPython;
    else if (f.kind != profile::FrameKind::kJit &&
             symbolize::is_python_interpreter_module(p_.strings[f.module]))
      it->second = kInterpreter;
  }
  return it->second;
}

void PythonCollapse::apply(std::vector<profile::FrameId>& leaf_first) {
  size_t outermost = leaf_first.size();  // index of the outermost Python frame
  for (size_t i = 0; i < leaf_first.size(); ++i)
    if (class_of(leaf_first[i]) == kPython) outermost = i;
  if (outermost == leaf_first.size()) return;
  size_t out = 0;
  for (size_t i = 0; i < leaf_first.size(); ++i)
    if (i >= outermost || class_of(leaf_first[i]) != kInterpreter) leaf_first[out++] = leaf_first[i];
  leaf_first.resize(out);
}

}  // namespace lambdascope::capture
