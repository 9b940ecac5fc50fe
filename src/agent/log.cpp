#include "agent/log.hpp"

#include <cstdarg>
#include <cstdio>

#include "agent/syscalls.hpp"

namespace lambdascope::agent {

namespace {
LogLevel g_level = LogLevel::kWarn;
}

void set_log_level(LogLevel level) {
  g_level = level;
}

void log(LogLevel level, const char* format, ...) {
  if (level > g_level) return;
  char line[512];
  int n = std::snprintf(line, sizeof line, "lambdascope-agent[%d]: ", sys::getpid());
  va_list args;
  va_start(args, format);
  int m = std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n) - 1, format, args);
  va_end(args);
  size_t len = static_cast<size_t>(n) + (m < 0 ? 0 : static_cast<size_t>(m));
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  sys::write(2, line, len);
}

}  // namespace lambdascope::agent
