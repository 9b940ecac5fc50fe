#include "lambda/emulator/process_tree.hpp"

#include <dirent.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace lambdascope::lambda {

namespace {

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return out;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(task_dir + "/" + entry->d_name + "/children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  closedir(dir);
  return out;
}

}  // namespace

std::vector<pid_t> process_tree(const std::vector<pid_t>& roots) {
  std::vector<pid_t> out;
  std::set<pid_t> seen;
  std::vector<pid_t> todo;
  for (pid_t r : roots) {
    if (r > 0 && process_state(r) && seen.insert(r).second) {
      out.push_back(r);
      todo.push_back(r);
    }
  }
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children_of(p)) {
      if (seen.insert(c).second) {
        out.push_back(c);
        todo.push_back(c);
      }
    }
  }
  return out;
}

std::optional<char> process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The command name is in parentheses and may itself contain ") ", so look for the last one.
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  return stat[close + 2];
}

uint64_t peak_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      uint64_t kb = 0;
      fields >> kb;
      return kb;
    }
  }
  return 0;
}

}  // namespace lambdascope::lambda
