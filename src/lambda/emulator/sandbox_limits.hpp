// Lambda's resources for the sandbox's processes, through the kernel's cgroup controllers: a function of
// MB megabytes gets MB/1,769 of one CPU (1,769 MB is one vCPU) and MB of memory, shared by the runtime and
// the extensions. cgroup v2 (cpu.max, memory.max) where it is mounted, else v1 (cpu.cfs_quota_us,
// memory.limit_in_bytes). The groups are made below the emulator's own ones and removed afterwards.
//
// Never fatal: without the permission to make groups, enforced() is false and why_not() says why; the
// caller says so once and runs without limits.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace lambdascope::lambda {

// The CPU share of one CPU Lambda gives `memory_mb` (1,769 MB is one vCPU).
double lambda_cpu_share(int memory_mb);

class SandboxLimits {
 public:
  // `cgroup_root`: where the hierarchies are mounted (/sys/fs/cgroup; tests may point elsewhere).
  explicit SandboxLimits(int memory_mb, const std::string& cgroup_root = "/sys/fs/cgroup");
  ~SandboxLimits();  // removes the groups, waiting a little for processes that are still exiting
  SandboxLimits(const SandboxLimits&) = delete;
  SandboxLimits& operator=(const SandboxLimits&) = delete;

  bool enforced() const { return enforced_; }
  const std::string& why_not() const { return why_not_; }
  // "128 MB, 7.2% of one CPU (cgroup v1)"
  std::string describe() const;

  // The CPU share from now on, in CPUs (1.0: a whole CPU, as the init phase of on-demand functions gets).
  void set_cpu_share(double cpus);
  // Moves a process (and so the children it starts from now on) into the groups.
  void adopt(pid_t pid);

 private:
  bool write(const std::string& dir, const std::string& file, const std::string& value, std::string* error);
  void remove_groups();

  int memory_mb_;
  bool enforced_ = false;
  bool v2_ = false;
  std::string why_not_;
  std::string cpu_dir_, memory_dir_;  // the same directory under v2
  std::vector<std::string> created_;  // to remove, deepest first
};

}  // namespace lambdascope::lambda
