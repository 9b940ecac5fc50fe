#include "lambda/emulator/sandbox_limits.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace lambdascope::lambda {

namespace {

constexpr double kMegabytesPerCpu = 1769.0;
constexpr int64_t kCfsPeriodUs = 100000;
constexpr int64_t kMinQuotaUs = 1000;  // the kernel refuses less
// How long the groups' removal waits for killed processes to leave them.
constexpr auto kRemoveWait = std::chrono::seconds(5);

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The emulator's own group in a hierarchy: "/a/b" from /proc/self/cgroup's "N:<controllers>:/a/b" line whose
// controller list holds `controller` ("" for the v2 line "0::/a/b").
std::string own_group(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (controller.empty()) {
      if (controllers.empty()) return path;
      continue;
    }
    std::stringstream list(controllers);
    std::string c;
    while (std::getline(list, c, ','))
      if (c == controller) return path;
  }
  return "/";
}

std::string group_name() {
  static std::atomic<int> sequence{0};
  return fmt::format("lambdascope-local-{}-{}", ::getpid(), sequence++);
}

}  // namespace

double lambda_cpu_share(int memory_mb) {
  return memory_mb / kMegabytesPerCpu;
}

SandboxLimits::SandboxLimits(int memory_mb, const std::string& root) : memory_mb_(memory_mb) {
  std::string name = group_name();
  auto make = [&](const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      why_not_ = fmt::format("cannot create {}: {}", dir, std::strerror(errno));
      return false;
    }
    created_.push_back(dir);
    return true;
  };
  std::string error;
  if (exists(root + "/cgroup.controllers")) {
    // v2: one tree; cpu and memory must be enabled for the children of the group we make ours in.
    v2_ = true;
    std::string parent = root + own_group("");
    write(parent, "cgroup.subtree_control", "+cpu +memory", &error);  // may be done already, or refused
    std::string dir = parent + "/" + name;
    if (!make(dir)) return;
    cpu_dir_ = memory_dir_ = dir;
    std::ifstream controllers(dir + "/cgroup.controllers");
    std::string available((std::istreambuf_iterator<char>(controllers)), {});
    if (available.find("cpu") == std::string::npos || available.find("memory") == std::string::npos) {
      why_not_ = "the cgroup v2 controllers cpu and memory are not delegated to " + parent;
      remove_groups();
      return;
    }
    if (!write(memory_dir_, "memory.max", std::to_string(int64_t{memory_mb} << 20), &error) ||
        !write(memory_dir_, "memory.swap.max", "0", &error)) {
      why_not_ = error;
      remove_groups();
      return;
    }
  } else if (exists(root + "/cpu/cpu.cfs_quota_us") && exists(root + "/memory/memory.limit_in_bytes")) {
    cpu_dir_ = root + "/cpu" + own_group("cpu") + "/" + name;
    memory_dir_ = root + "/memory" + own_group("memory") + "/" + name;
    if (!make(cpu_dir_) || !make(memory_dir_)) {
      remove_groups();
      return;
    }
    if (!write(cpu_dir_, "cpu.cfs_period_us", std::to_string(kCfsPeriodUs), &error) ||
        !write(memory_dir_, "memory.limit_in_bytes", std::to_string(int64_t{memory_mb} << 20), &error)) {
      why_not_ = error;
      remove_groups();
      return;
    }
    // Without swap the kernel has no such file; with swap, swapping out would hide the limit.
    if (exists(memory_dir_ + "/memory.memsw.limit_in_bytes"))
      write(memory_dir_, "memory.memsw.limit_in_bytes", std::to_string(int64_t{memory_mb} << 20), &error);
  } else {
    why_not_ = "no cgroup cpu and memory controllers are mounted at " + root;
    return;
  }
  enforced_ = true;
  set_cpu_share(lambda_cpu_share(memory_mb));
  // On Lambda no other tenant shares the function's CPUs: up to its share, it gets them when it asks. Here
  // the sandbox's group competes with every process of the machine, and the kernel splits a group's weight
  // between CPUs by its load on each: a thread that runs briefly and often (a profiler's sampler) is alone
  // on its CPU with a sliver of the weight, and a busy process beside it kept it waiting for a CPU up to
  // 567 ms (traced beside two `yes`; 8 ms at most with this). The highest weight gives the sandbox its
  // share first; the quota above still caps it.
  write(cpu_dir_, v2_ ? "cpu.weight" : "cpu.shares", v2_ ? "10000" : "262144", &error);  // best effort
}

SandboxLimits::~SandboxLimits() {
  remove_groups();
}

std::string SandboxLimits::describe() const {
  return fmt::format("{} MB, {:.1f}% of one CPU (cgroup {})", memory_mb_, lambda_cpu_share(memory_mb_) * 100,
                     v2_ ? "v2" : "v1");
}

bool SandboxLimits::write(const std::string& dir, const std::string& file, const std::string& value,
                          std::string* error) {
  std::string path = dir + "/" + file;
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) {
    *error = fmt::format("cannot write {} to {}: {}", value, path, std::strerror(errno));
    return false;
  }
  return true;
}

void SandboxLimits::set_cpu_share(double cpus) {
  if (!enforced_) return;
  int64_t quota = std::max(kMinQuotaUs, static_cast<int64_t>(std::llround(cpus * kCfsPeriodUs)));
  std::string error;
  if (v2_) {
    write(cpu_dir_, "cpu.max", fmt::format("{} {}", quota, kCfsPeriodUs), &error);
  } else {
    write(cpu_dir_, "cpu.cfs_quota_us", std::to_string(quota), &error);
  }
}

void SandboxLimits::adopt(pid_t pid) {
  if (!enforced_) return;
  std::string error;
  write(cpu_dir_, "cgroup.procs", std::to_string(pid), &error);
  if (memory_dir_ != cpu_dir_) write(memory_dir_, "cgroup.procs", std::to_string(pid), &error);
}

void SandboxLimits::remove_groups() {
  // A group can be removed once its last process has exited; killed processes take a moment.
  auto deadline = std::chrono::steady_clock::now() + kRemoveWait;
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    while (::rmdir(it->c_str()) != 0 && errno == EBUSY && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  created_.clear();
}

}  // namespace lambdascope::lambda
