#include "lambda/extension/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace lambdascope::lambda::extension {

namespace {
std::atomic<bool> g_debug{false};
std::mutex g_mu;  // whole lines from several threads
}  // namespace

void Log::set_debug(bool on) {
  g_debug = on;
}
bool Log::debug_enabled() {
  return g_debug;
}

void Log::info(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_mu);
  std::fprintf(stderr, "[lambdascope] %s\n", line.c_str());
  std::fflush(stderr);
}

void Log::debug(const std::string& line) {
  if (g_debug) info(line);
}

}  // namespace lambdascope::lambda::extension
