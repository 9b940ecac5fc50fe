// What execvp would run for a command name, and whether the agent can get into it (a statically linked
// executable never runs the dynamic loader, so LD_PRELOAD cannot load the agent). Reads files only.
#pragma once

#include <string>

namespace lambdascope::capture {

// The file execvp would run for `name` (searched in PATH unless it has a '/'), or "" when there is none.
std::string resolve_command(const std::string& name);

// Whether `file` is a 64-bit ELF executable without a program interpreter.
bool is_static_elf(const std::string& file);

}  // namespace lambdascope::capture
