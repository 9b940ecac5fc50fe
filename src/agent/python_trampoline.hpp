// Recognizes a return into one of CPython's perf trampolines (3.12+, PYTHONPERFSUPPORT=1 / -X perf): copies
// of Python/asm_trampoline.S in anonymous executable memory, named in /tmp/perf-PID.map as
// `py::function:file`. They have no unwind table, and the interpreter that called them keeps no frame
// pointer, so the walker needs their fixed layout. Recognized by their code bytes at the return address (no
// registration, nothing to keep in sync with the interpreter); read through fault-guarded loads only.
// Async-signal-safe; never allocates.
#pragma once

#include <cstdint>

namespace lambdascope::agent {

enum class PyTrampoline : uint8_t {
  kNone,
  // 3.12/3.13: `sub $8,%rsp; call *%rcx; add $8,%rsp; ret`: CFA = sp + 16 at the return address, rbp
  // untouched.
  kKeepsFp,
  // a frame-pointer variant `push %rbp; mov %rsp,%rbp; call *%rcx; pop %rbp; ret`: CFA = sp + 16, the
  // caller's rbp at CFA - 16.
  kSavesFp,
};

// `ra`: a return address outside every loaded object. Reads the 2 bytes before it and up to 5 after it.
PyTrampoline python_trampoline_at(uintptr_t ra);

}  // namespace lambdascope::agent
