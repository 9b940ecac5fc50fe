// The layer's two sh scripts, embedded at build time from src/lambda/layer/ (embed_scripts.cmake).
#pragma once

#include <string_view>

namespace lambdascope::lambda::layer {

// extensions/lambdascope: runs `lambdascope/bin/lambdascope extension` (extension-launcher.sh).
std::string_view extension_launcher_script();
// lambdascope-wrapper: the AWS_LAMBDA_EXEC_WRAPPER that preloads the agent (lambdascope-wrapper).
std::string_view exec_wrapper_script();

}  // namespace lambdascope::lambda::layer
