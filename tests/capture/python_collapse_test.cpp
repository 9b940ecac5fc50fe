// The interpreter's own C frames inside Python code are left out; frames outside it, and stacks without
// Python frames, stay as they are.
#include "capture/python_collapse.hpp"

#include <gtest/gtest.h>

namespace lambdascope::capture {
namespace {

class Collapse : public ::testing::Test {
 protected:
  profile::FrameId py(std::string_view name) {
    return p_.intern_frame(name, "/var/task/app.py", profile::FrameKind::kInterpreted);
  }
  profile::FrameId c(std::string_view name, std::string_view module = "/var/lang/bin/python3.13") {
    return p_.intern_frame(name, module, profile::FrameKind::kNative);
  }
  std::vector<std::string> apply(std::vector<profile::FrameId> leaf_first) {
    PythonCollapse collapse(p_);
    collapse.apply(leaf_first);
    std::vector<std::string> out;
    for (profile::FrameId f : leaf_first) out.emplace_back(p_.frame_name(f));
    return out;
  }
  profile::Profile p_;
};

TEST_F(Collapse, InterpreterFramesInsidePythonCodeGo) {
  auto got = apply({c("long_mod"), c("_PyEval_EvalFrameDefault"), py("burn (app.py)"), c("_PyEval_Vector"),
                    c("_PyEval_EvalFrameDefault"), py("handler (app.py)"), c("pymain_run_file"), c("main"),
                    c("__libc_start_main", "/usr/lib/libc.so.6")});
  EXPECT_EQ(got, (std::vector<std::string>{"burn (app.py)", "handler (app.py)", "pymain_run_file", "main",
                                           "__libc_start_main"}));
}

TEST_F(Collapse, OtherObjectsStay) {
  auto got = apply({c("clock_gettime", "[vdso]"), c("time_monotonic"), c("_PyEval_EvalFrameDefault"),
                    c("ext_work", "/var/task/_ext.so"), c("_PyObject_Call"), py("handler (app.py)")});
  EXPECT_EQ(got, (std::vector<std::string>{"clock_gettime", "ext_work", "handler (app.py)"}));
}

TEST_F(Collapse, StacksWithoutPythonFramesStay) {
  auto got = apply({c("_PyEval_EvalFrameDefault"), c("Py_InitializeFromConfig"), c("main")});
  EXPECT_EQ(got, (std::vector<std::string>{"_PyEval_EvalFrameDefault", "Py_InitializeFromConfig", "main"}));
}

}  // namespace
}  // namespace lambdascope::capture
