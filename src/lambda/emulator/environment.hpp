// The environment variables Lambda gives the runtime and the extensions
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// with Lambda's paths (/var/task, /var/runtime, /opt, /var/lang/bin) mapped to the local folders.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lambda/emulator/emulator.hpp"
#include "lambda/emulator/runtime_command.hpp"

namespace lambdascope::lambda {

using EnvMap = std::map<std::string, std::string>;

// Names a function may not set (Lambda refuses them in CreateFunction); throws std::invalid_argument.
void check_function_environment(const EnvMap& env);

struct SandboxEnvironment {
  EnvMap runtime;
  EnvMap extensions;  // the runtime's minus what Lambda hides from extensions
};

SandboxEnvironment sandbox_environment(const EmulatorOptions& options, const RuntimeCommand& command,
                                       const std::string& runtime_api, const std::string& log_stream_name);

std::vector<std::string> to_envp(const EnvMap& env);  // KEY=VALUE

}  // namespace lambdascope::lambda
