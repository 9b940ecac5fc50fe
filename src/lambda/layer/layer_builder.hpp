// `lambdascope layer`: the Lambda layer zip. Lambda unpacks a layer into /opt:
//   extensions/lambdascope          the extension launcher (sh): runs lambdascope/bin/lambdascope extension
//   lambdascope-wrapper             the AWS_LAMBDA_EXEC_WRAPPER (sh) that preloads the agent into the runtime
//   lib/liblambdascope-agent.so     the agent (/opt/lib is on the function's LD_LIBRARY_PATH)
//   lambdascope/bin/lambdascope     the binary, RPATH $ORIGIN/../lib
//   lambdascope/lib/<soname>        the binary's shared libraries except glibc's, found with ldd: private to
//                                   the binary, so they never shadow the function's own (a Python function's
//                                   libssl, say)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lambdascope::lambda::layer {

// One line of ldd's output that names a file: "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)".
struct SharedLibrary {
  std::string soname;  // the name the loader looks for (the zip entry's name)
  std::string path;    // where ldd found it on this machine ("" when "not found")
};

// Parses ldd's output; the vDSO and the dynamic loader (no "=>") are left out.
std::vector<SharedLibrary> parse_ldd_output(const std::string& text);
// Runs `ldd FILE`; throws std::runtime_error when ldd fails or a library is not found.
std::vector<SharedLibrary> shared_libraries(const std::string& elf_path);

// Libraries of the C library itself (libc, libm, libpthread, the loader, ...): every Lambda runtime has its
// own, matched to its kernel and loader, so they are never bundled.
bool is_glibc_library(const std::string& soname);
// The C++ runtime: the binary links it statically, so a dependency that needs the shared one is a portability
// problem (Debian's libstdc++ needs a newer glibc than Amazon Linux 2023's 2.34).
bool is_cxx_runtime_library(const std::string& soname);

struct LayerEntry {
  std::string name;    // path in the zip
  std::string source;  // file to read; empty when `bytes` holds the content
  std::string bytes;
  uint32_t mode = 0644;
  bool strip = false;  // drop debug sections (objcopy --strip-debug) before packing
};

struct LayerPlan {
  std::vector<LayerEntry> entries;
  std::vector<std::string> warnings;  // printed by the command; the layer is still written
};

struct LayerOptions {
  std::string binary;  // the lambdascope executable
  std::string agent;   // liblambdascope-agent.so
  bool strip = true;
};

// Decides what goes into the layer (runs ldd on the binary). Throws std::runtime_error naming the file when
// an input is missing, and when the binary needs the shared C++ runtime (the layer would not load on Lambda).
LayerPlan plan_layer(const LayerOptions& options);
// Reads (and strips) every entry and returns the zip's bytes; `warnings` gets a line per file that needs a
// glibc newer than Amazon Linux 2023's, and per file that could not be stripped. Throws std::runtime_error
// on a read failure.
std::string build_layer_zip(const LayerPlan& plan, std::vector<std::string>* warnings);

}  // namespace lambdascope::lambda::layer
