// `lambdascope extension`: the Lambda extension. Registers for INVOKE and SHUTDOWN, subscribes to platform
// telemetry (or falls back to INVOKE-to-INVOKE windows), follows the agent's rings of the function's
// processes, and writes one profile per invocation plus one for the init phase, through the spool to the
// destination. Its first duty is to stay out of the function's way: it calls /event/next at once (unless
// LAMBDASCOPE_FLUSH=invoke), writes on background threads, and any internal error is a log line, never a
// failed or slower invocation. On SHUTDOWN it writes what is open and flushes before the deadline.
#pragma once

#include "lambda/extension/config.hpp"

namespace lambdascope::lambda::extension {

// Runs until SHUTDOWN; returns the process exit code (0 after SHUTDOWN).
int run_extension(ExtensionConfig config);

}  // namespace lambdascope::lambda::extension
