// One child process of the sandbox (the runtime or an extension): started with posix_spawn in its own
// process group, its stdout and stderr read line by line on a thread, its exit collected on another.
// Must never call waitpid(-1): the emulator is also a library inside test programs that have children of
// their own.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "lambda/common/ids.hpp"

namespace lambdascope::lambda {

struct ProcessSpec {
  std::string name;  // for messages: "runtime", "extension recorder"
  std::vector<std::string> argv;
  std::vector<std::string> env;  // KEY=VALUE, the whole environment
  std::string cwd;
};

class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Process {
 public:
  using LineSink = std::function<void(const std::string& line)>;
  using ExitSink = std::function<void(int wait_status)>;

  // Throws SpawnError (naming the program and the OS error) when the program cannot be executed.
  static std::unique_ptr<Process> spawn(const ProcessSpec& spec, LineSink on_line, ExitSink on_exit);
  ~Process();  // SIGKILLs the group if still running, then joins both threads
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  bool exited() const;
  int wait_status() const;
  // Signals the whole process group (children the program started die with it).
  void signal_group(int sig) const;
  // Waits until the process has exited or `deadline` passes; true when it exited.
  bool wait_exit(Clock::time_point deadline) const;

 private:
  Process() = default;
  void pump_output(int fd, LineSink on_line);

  std::string name_;
  pid_t pid_ = -1;
  int output_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that ends the output pump even when a grandchild keeps the pipe open
  std::thread pump_thread_, wait_thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool exited_ = false;
  int status_ = 0;
};

// "exit status 1", "signal: killed": how Go (and so Lambda's error messages) describe a wait status.
std::string describe_wait_status(int wait_status);

// Kills every process group this program started that is still alive. Async-signal-safe: the local
// command calls it from its SIGINT/SIGTERM handler so no frozen sandbox process outlives Ctrl-C.
void kill_all_sandbox_process_groups();

}  // namespace lambdascope::lambda
