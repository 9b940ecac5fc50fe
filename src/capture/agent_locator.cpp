#include "capture/agent_locator.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace lambdascope::capture {

namespace fs = std::filesystem;

std::string find_agent(const std::string& override_hint) {
  if (const char* env = std::getenv("LAMBDASCOPE_AGENT"); env != nullptr && *env != '\0') {
    if (::access(env, R_OK) == 0) return fs::absolute(env).string();
    throw std::runtime_error(std::string("LAMBDASCOPE_AGENT=") + env + " is not readable");
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path dir = self.parent_path();
    for (fs::path candidate : {dir / "liblambdascope-agent.so", dir / "../lib/liblambdascope-agent.so",
                               dir / "../lib/lambdascope/liblambdascope-agent.so"}) {
      if (fs::is_regular_file(candidate, ec)) return fs::weakly_canonical(candidate).string();
    }
  }
  throw std::runtime_error("cannot find liblambdascope-agent.so next to the lambdascope binary; " +
                           override_hint);
}

}  // namespace lambdascope::capture
