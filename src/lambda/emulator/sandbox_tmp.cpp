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

// The pid that follows `prefix` in `name`, with what comes after it in `rest`; -1 when the name has no such
// start.
pid_t pid_after(std::string_view name, std::string_view prefix, std::string_view* rest) {
  if (!name.starts_with(prefix)) return -1;
  name.remove_prefix(prefix.size());
  pid_t pid = -1;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end == name.data()) return -1;
  *rest = name.substr(static_cast<size_t>(end - name.data()));
  return pid;
}

// The pid a file of ours is named after: lambdascope-PID-N.ring and a reader's .reader-PID (in a ring folder,
// `in_folder`), /tmp/perf-PID.map (not in one); -1 for any other file.
pid_t owner_of(std::string_view name, bool in_folder) {
  std::string_view rest;
  if (pid_t pid = pid_after(name, "lambdascope-", &rest);
      pid > 0 && rest.starts_with("-") && rest.ends_with(".ring"))
    return pid;
  if (pid_t pid = pid_after(name, ".reader-", &rest); in_folder && pid > 0 && rest.empty()) return pid;
  if (pid_t pid = pid_after(name, "perf-", &rest); !in_folder && pid > 0 && rest == ".map") return pid;
  return -1;
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
    pid_t pid = owner_of(entry.path().filename().string(), it.depth() > 0);
    if (gone.count(pid) == 0) continue;
    std::error_code rm;
    if (fs::remove(entry.path(), rm)) {
      ++removed;
      if (it.depth() > 0) emptied.push_back(entry.path().parent_path());
    }
  }
  for (const fs::path& dir : emptied) {
    std::error_code rm;
    if (fs::is_empty(dir, rm) && !rm) fs::remove(dir, rm);  // only an empty folder goes
  }
  return removed;
}

}  // namespace lambdascope::lambda
