// CPython's perf-map names as Python users read them, and which modules are the interpreter's own.
#include "symbolize/python_frames.hpp"

#include <gtest/gtest.h>

namespace lambdascope::symbolize {
namespace {

SymFrame jit(const std::string& name) {
  return {name, "[jit]", "", 0, profile::FrameKind::kJit};
}

TEST(PythonFrames, PerfMapNamesBecomePythonFrames) {
  SymFrame f = jit("py::handler:/var/task/app.py");
  ASSERT_TRUE(python_frame_from_perf_map(&f));
  EXPECT_EQ(f.name, "handler (app.py)");
  EXPECT_EQ(f.module, "/var/task/app.py");
  EXPECT_EQ(f.file, "/var/task/app.py");
  EXPECT_EQ(f.kind, profile::FrameKind::kInterpreted);

  f = jit("py::Handler.run.<locals>.inner:/var/task/pkg/mod.py");
  ASSERT_TRUE(python_frame_from_perf_map(&f));
  EXPECT_EQ(f.name, "Handler.run.<locals>.inner (mod.py)");

  f = jit("py::_run_code:<frozen runpy>");
  ASSERT_TRUE(python_frame_from_perf_map(&f));
  EXPECT_EQ(f.name, "_run_code (<frozen runpy>)");

  f = jit("py::<module>:C:/odd:name.py");  // the file name keeps its colons
  ASSERT_TRUE(python_frame_from_perf_map(&f));
  EXPECT_EQ(f.name, "<module> (odd:name.py)");
  EXPECT_EQ(f.file, "C:/odd:name.py");
}

TEST(PythonFrames, OtherNamesAreLeftAlone) {
  for (const char* name : {"JS:~fn file:///app/x.js:1:37", "py::", "py::nocolon", "py:::/x.py", "[jit]"}) {
    SymFrame f = jit(name);
    EXPECT_FALSE(python_frame_from_perf_map(&f)) << name;
    EXPECT_EQ(f.name, name);
    EXPECT_EQ(f.kind, profile::FrameKind::kJit);
  }
}

TEST(PythonFrames, InterpreterModules) {
  for (const char* m :
       {"/usr/bin/python3.13", "/var/lang/bin/python3", "python", "/var/lang/lib/libpython3.13.so.1.0",
        "/root/.cache/lambdascope/cpython-3.13/bin/python3.13"})
    EXPECT_TRUE(is_python_interpreter_module(m)) << m;
  for (const char* m : {"/usr/lib/x86_64-linux-gnu/libc.so.6", "/opt/python/lib/_pydantic_core.so",
                        "/usr/bin/python-config", "/usr/lib/python3.13/lib-dynload/_json.so", "", "[vdso]"})
    EXPECT_FALSE(is_python_interpreter_module(m)) << m;
}

}  // namespace
}  // namespace lambdascope::symbolize
