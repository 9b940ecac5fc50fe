// Helpers for tests: where the shared data is, reading files, running the built binary.
#pragma once

#include <string>

namespace lambdascope::testing {

// ../shared/data as given by the build (environment LS_SHARED_DATA); fails the test when unset.
std::string shared_data(const std::string& relative = "");
std::string read_file(const std::string& path);  // gunzips .gz content transparently
std::string binary_path();                       // the lambdascope binary (LS_BINARY)

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs a shell command line, capturing stdout and stderr.
CommandResult run_command(const std::string& command_line);

// Whether a thread of this process has this name (/proc/self/task/*/comm).
bool has_thread(const std::string& name);

// A fresh empty directory under the system temp dir, removed by the caller when done.
std::string make_temp_dir();

// A fresh empty directory removed when the object goes, also when an ASSERT ends the test early.
struct TempDir {
  std::string path = make_temp_dir();
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
};

}  // namespace lambdascope::testing
