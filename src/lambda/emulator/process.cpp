#include "lambda/emulator/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace lambdascope::lambda {

namespace {

// Lambda splits log lines longer than 256 KiB; so do we, which also bounds memory per line.
constexpr size_t kMaxLineBytes = 256 * 1024;

// Live process groups, for kill_all_sandbox_process_groups(). A fixed array of atomics because a signal
// handler reads it.
constexpr size_t kRegistrySlots = 256;
std::array<std::atomic<pid_t>, kRegistrySlots> g_groups{};

void register_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pgid)) return;
  }
}

void unregister_group(pid_t pgid) {
  for (auto& slot : g_groups) {
    pid_t expected = pgid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace

void kill_all_sandbox_process_groups() {
  for (auto& slot : g_groups) {
    pid_t pgid = slot.load();
    if (pgid > 0) kill(-pgid, SIGKILL);
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    std::string name = strsignal(WTERMSIG(status));
    if (!name.empty()) name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
    return "signal: " + name;
  }
  return "unknown wait status " + std::to_string(status);
}

std::unique_ptr<Process> Process::spawn(const ProcessSpec& spec, LineSink on_line, ExitSink on_exit) {
  if (spec.argv.empty()) throw SpawnError("cannot start " + spec.name + ": empty command");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw SpawnError("cannot start " + spec.name + ": pipe: " + std::strerror(errno));
  }
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (null_fd >= 0) posix_spawn_file_actions_adddup2(&actions, null_fd, 0);
  // stdout and stderr share one pipe so lines keep the order the program wrote them in, as in CloudWatch.
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  // Nothing else of ours leaks into the sandbox (the API's listening socket, other processes' pipes).
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setpgroup(&attr, 0);  // own process group: signals and freezing reach its children too
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(pipe_fds[1]);
  if (null_fd >= 0) close(null_fd);
  if (rc != 0) {
    close(pipe_fds[0]);
    throw SpawnError("cannot start " + spec.name + " (" + spec.argv[0] + "): " + std::strerror(rc));
  }
  register_group(pid);

  std::unique_ptr<Process> p(new Process());
  p->name_ = spec.name;
  p->pid_ = pid;
  p->output_fd_ = pipe_fds[0];
  p->stop_fd_ = eventfd(0, EFD_CLOEXEC);
  Process* self = p.get();
  p->pump_thread_ =
      std::thread([self, fd = pipe_fds[0], sink = std::move(on_line)] { self->pump_output(fd, sink); });
  p->wait_thread_ = std::thread([self, on_exit = std::move(on_exit)] {
    int status = 0;
    while (waitpid(self->pid_, &status, 0) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->exited_ = true;
      self->status_ = status;
    }
    self->cv_.notify_all();
    if (on_exit) on_exit(status);
  });
  return p;
}

void Process::pump_output(int fd, LineSink on_line) {
  std::string pending;
  char buf[16384];
  auto emit = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (on_line) on_line(line);
  };
  while (true) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int n = poll(fds, stop_fd_ >= 0 ? 2 : 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (stop_fd_ >= 0 && (fds[1].revents & POLLIN) && !(fds[0].revents & POLLIN)) break;
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buf, static_cast<size_t>(got));
    size_t start = 0;
    while (true) {
      size_t nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      emit(pending.substr(start, nl - start));
      start = nl + 1;
    }
    pending.erase(0, start);
    while (pending.size() >= kMaxLineBytes) {
      emit(pending.substr(0, kMaxLineBytes));
      pending.erase(0, kMaxLineBytes);
    }
  }
  if (!pending.empty()) emit(pending);
}

Process::~Process() {
  signal_group(SIGKILL);  // also the group's other members when the leader is already gone
  if (wait_thread_.joinable()) wait_thread_.join();
  // The group is gone; a grandchild that left it could still hold the pipe, so tell the pump to stop
  // rather than wait for an EOF that may never come. Output already in the pipe is read first.
  if (stop_fd_ >= 0) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t w = write(stop_fd_, &one, sizeof one);
  }
  if (pump_thread_.joinable()) pump_thread_.join();
  if (output_fd_ >= 0) close(output_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  unregister_group(pid_);
}

bool Process::exited() const {
  std::lock_guard<std::mutex> lock(mu_);
  return exited_;
}

int Process::wait_status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void Process::signal_group(int sig) const {
  // A stopped process only acts on SIGKILL and SIGCONT; SIGTERM to a frozen group would wait for the thaw.
  kill(-pid_, sig);
  if (!exited()) kill(pid_, sig);  // in case it left its group; never after the pid may have been reused
}

bool Process::wait_exit(Clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return exited_; });
}

}  // namespace lambdascope::lambda
