#include "lambda/emulator/sandbox_tmp.hpp"

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <string_view>
#include <vector>

namespace lambdascope::lambda {

namespace fs = std::filesystem;

namespace {

// The pid a name starts with after `prefix`, followed by `sep`; -1 when it has another shape.
pid_t pid_in(std::string_view name, std::string_view prefix, char sep) {
  if (name.substr(0, prefix.size()) != prefix) return -1;
  name.remove_prefix(prefix.size());
  pid_t pid = -1;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end == name.data() || end == name.data() + name.size() || *end != sep) return -1;
  return pid;
}

bool running(pid_t pid) {
  return kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

size_t remove_tmp_files_of(const std::set<pid_t>& pids, const std::string& tmp) {
  std::set<pid_t> gone;
  for (pid_t pid : pids)
    if (pid > 0 && !running(pid)) gone.insert(pid);
  if (gone.empty()) return 0;
  size_t removed = 0;
  std::vector<fs::path> emptied;
  std::error_code ec;
  fs::recursive_directory_iterator it(tmp, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it.depth() >= 2) it.disable_recursion_pending();
    const fs::directory_entry& entry = *it;
    if (!entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
    std::string name = entry.path().filename().string();
    pid_t pid = pid_in(name, "lambdascope-", '-');
    // A ring, or the file a reader (the extension, record) announces itself with in a ring folder.
    bool ring = pid > 0 && name.size() > 5 && name.ends_with(".ring");
    if (!ring && it.depth() > 0 && name.starts_with(".reader-")) {
      pid = pid_in(name + "/", ".reader-", '/');
      ring = pid > 0 && name == ".reader-" + std::to_string(pid);
    }
    if (!ring) {
      pid = it.depth() == 0 ? pid_in(name, "perf-", '.') : -1;
      if (pid <= 0 || name != "perf-" + std::to_string(pid) + ".map") continue;
    }
    if (gone.count(pid) == 0) continue;
    std::error_code rm;
    if (fs::remove(entry.path(), rm)) {
      ++removed;
      if (ring && it.depth() > 0) emptied.push_back(entry.path().parent_path());
    }
  }
  for (const fs::path& dir : emptied) {
    std::error_code rm;
    if (fs::is_empty(dir, rm) && !rm) fs::remove(dir, rm);  // only an empty folder goes
  }
  return removed;
}

}  // namespace lambdascope::lambda
