#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/input_source.hpp"

namespace lambdascope::testing {

std::string shared_data(const std::string& relative) {
  const char* base = std::getenv("LS_SHARED_DATA");
  if (!base || !*base) {
    ADD_FAILURE() << "LS_SHARED_DATA is not set (run the tests through ctest)";
    return relative;
  }
  return relative.empty() ? std::string(base) : std::string(base) + "/" + relative;
}

std::string read_file(const std::string& path) {
  auto in = formats::InputSource::open(path);
  return in->read_all();
}

std::string binary_path() {
  const char* b = std::getenv("LS_BINARY");
  return b ? b : "lambdascope";
}

CommandResult run_command(const std::string& command_line) {
  std::string dir = make_temp_dir();
  std::string out = dir + "/out", err = dir + "/err";
  std::string full = "(" + command_line + ") >" + out + " 2>" + err;
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream o(out), e(err);
  std::stringstream so, se;
  so << o.rdbuf();
  se << e.rdbuf();
  r.out = so.str();
  r.err = se.str();
  std::filesystem::remove_all(dir);
  return r;
}

bool has_thread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm == name) return true;
  }
  return false;
}

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lambdascope-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
  return tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace lambdascope::testing
