// Demangling of C++ (Itanium ABI, "_Z") and Rust (legacy "_ZN...17h<hash>E" and v0 "_R") symbol names.
// Names that are not mangled come back unchanged.
#pragma once

#include <string>
#include <string_view>

namespace lambdascope::symbolize {

std::string demangle(std::string_view symbol);

// Rust's v0 mangling (RFC 2603) alone; returns false when `symbol` is not a valid v0 name.
bool demangle_rust_v0(std::string_view symbol, std::string* out);

}  // namespace lambdascope::symbolize
