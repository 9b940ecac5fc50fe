// Where the agent's rings are: the wrapper (in the runtime's environment) and the extension (in its own)
// must agree without talking to each other. Both see AWS_LAMBDA_RUNTIME_API and AWS_LAMBDA_FUNCTION_NAME,
// so the folder is named after them: LAMBDASCOPE_RING_DIR when the user set it, else
// /tmp/lambdascope-rings/<POSIX cksum of "$AWS_LAMBDA_RUNTIME_API $AWS_LAMBDA_FUNCTION_NAME">. cksum is
// what a POSIX shell has for a hash (lambdascope-wrapper runs `printf '%s %s' ... | cksum`). Under
// `lambdascope local`, emulators on one machine have different ports, so they never share rings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lambdascope::lambda::extension {

// The CRC that POSIX `cksum` prints for `data` (polynomial 0x04C11DB7, length appended, complemented).
uint32_t posix_cksum(std::string_view data);

std::string ring_directory(const std::string& ring_dir_env, const std::string& runtime_api,
                           const std::string& function_name);

}  // namespace lambdascope::lambda::extension
