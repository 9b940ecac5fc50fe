// Diagnostics of the agent on stderr, one line each, prefixed with the pid. Normal context only (it
// formats with vsnprintf); the signal handler never logs, it counts.
#pragma once

namespace lambdascope::agent {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void set_log_level(LogLevel level);
void log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace lambdascope::agent
