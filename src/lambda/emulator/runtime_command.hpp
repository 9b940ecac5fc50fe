// Which program is the runtime, the way Lambda decides: a `bootstrap` in the function folder makes an
// OS-only (provided.al2023-style) runtime; otherwise the function is a Node.js function started like
// Lambda's managed runtime starts it: `node <aws-lambda-ric> <handler>`, behind AWS_LAMBDA_EXEC_WRAPPER
// when that variable is set.
#pragma once

#include <string>
#include <vector>

#include "lambda/emulator/emulator.hpp"

namespace lambdascope::lambda {

struct RuntimeCommand {
  enum class Kind { kProvided, kNodejs, kCustom };
  Kind kind = Kind::kProvided;
  std::vector<std::string> argv;  // without the wrapper
  std::string runtime_dir;        // LAMBDA_RUNTIME_DIR
  std::string execution_env;      // AWS_EXECUTION_ENV (managed runtimes only)
  std::string default_handler;
  std::string node_bin_dir;      // prepended to PATH (Lambda's /var/lang/bin)
  std::string node_modules_dir;  // the node_modules holding aws-lambda-ric, for NODE_PATH
  std::string version;           // for INIT_START: "nodejs:20", "provided"
};

// Throws std::invalid_argument naming what is missing (no bootstrap and no Node.js, no aws-lambda-ric...).
RuntimeCommand resolve_runtime_command(const EmulatorOptions& options);

// The runtime's argv with AWS_LAMBDA_EXEC_WRAPPER applied: Lambda runs `wrapper <original argv...>` on
// managed runtimes (and here on a custom runtime command) and ignores the variable on OS-only ones.
std::vector<std::string> wrapped_command(const RuntimeCommand& command, const std::string& wrapper);

}  // namespace lambdascope::lambda
