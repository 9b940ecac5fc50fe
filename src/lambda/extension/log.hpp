// The extension's log lines: stderr (which Lambda sends to CloudWatch with the function's logs), one line
// each, prefixed "[lambdascope]". Debug lines only with LAMBDASCOPE_DEBUG=1. Never given secrets: callers
// log names, keys, counts and error texts, not environment values or request payloads.
#pragma once

#include <string>

namespace lambdascope::lambda::extension {

class Log {
 public:
  static void set_debug(bool on);
  static bool debug_enabled();
  static void info(const std::string& line);
  static void debug(const std::string& line);
};

}  // namespace lambdascope::lambda::extension
