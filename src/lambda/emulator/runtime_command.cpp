#include "lambda/emulator/runtime_command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace lambdascope::lambda {

namespace fs = std::filesystem;

namespace {

bool is_executable_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::string all = path;
  size_t start = 0;
  while (start <= all.size()) {
    size_t colon = all.find(':', start);
    std::string dir = all.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && is_executable_file(fs::path(dir) / program))
      return (fs::path(dir) / program).string();
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

// node_modules/aws-lambda-ric/index.mjs in `from` or any folder above it.
std::string find_ric_upward(fs::path from) {
  std::error_code ec;
  from = fs::absolute(from, ec);
  while (true) {
    fs::path candidate = from / "node_modules" / "aws-lambda-ric" / "index.mjs";
    if (fs::is_regular_file(candidate, ec)) return fs::canonical(candidate, ec).string();
    if (!from.has_parent_path() || from.parent_path() == from) return "";
    from = from.parent_path();
  }
}

// "v20.20.2" -> 20; 0 when node cannot be run.
int node_major_version(const std::string& node) {
  std::string cmd = "'" + node + "' --version 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  char buf[64] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, p);
  pclose(p);
  std::string v(buf, n);
  if (v.empty() || v[0] != 'v') return 0;
  return std::atoi(v.c_str() + 1);
}

}  // namespace

RuntimeCommand resolve_runtime_command(const EmulatorOptions& o) {
  RuntimeCommand c;
  fs::path dir = fs::absolute(o.function_dir);
  if (!o.runtime_command.empty()) {
    c.kind = RuntimeCommand::Kind::kCustom;
    c.argv = o.runtime_command;
    c.runtime_dir = dir.string();
    c.default_handler = "handler";
    c.version = "custom";
    return c;
  }
  if (fs::exists(dir / "bootstrap")) {
    if (!is_executable_file(dir / "bootstrap")) {
      throw std::invalid_argument((dir / "bootstrap").string() + " is not an executable file");
    }
    c.kind = RuntimeCommand::Kind::kProvided;
    c.argv = {(dir / "bootstrap").string()};
    c.runtime_dir = dir.string();
    c.default_handler = "handler";
    c.version = "provided";
    return c;
  }
  std::string node = o.node_path.empty() ? find_on_path("node") : o.node_path;
  if (node.empty() || !is_executable_file(node)) {
    throw std::invalid_argument("no executable bootstrap in " + dir.string() +
                                ", and no node on PATH to run it as a Node.js function");
  }
  std::string ric = o.ric_path;
  if (ric.empty()) ric = find_ric_upward(dir);
  if (ric.empty()) ric = find_ric_upward(fs::current_path());
  if (ric.empty() || !fs::is_regular_file(ric)) {
    throw std::invalid_argument(
        "no bootstrap in " + dir.string() +
        ", and AWS's Node.js runtime interface client (npm aws-lambda-ric) is not in a node_modules folder "
        "above it "
        "or the current folder; install it (npm install aws-lambda-ric) or pass --ric PATH/index.mjs");
  }
  c.kind = RuntimeCommand::Kind::kNodejs;
  c.default_handler = "index.handler";
  std::string handler = o.handler.empty() ? c.default_handler : o.handler;
  c.argv = {fs::absolute(node).string(), ric, handler};
  c.node_bin_dir = fs::absolute(node).parent_path().string();
  c.runtime_dir = fs::path(ric).parent_path().string();
  c.node_modules_dir = fs::path(ric).parent_path().parent_path().string();
  int major = node_major_version(node);
  if (major > 0) {
    c.execution_env = "AWS_Lambda_nodejs" + std::to_string(major) + ".x";
    c.version = "nodejs:" + std::to_string(major);
  } else {
    c.version = "nodejs";
  }
  return c;
}

std::vector<std::string> wrapped_command(const RuntimeCommand& command, const std::string& wrapper) {
  if (wrapper.empty() || command.kind == RuntimeCommand::Kind::kProvided) return command.argv;
  std::vector<std::string> argv{wrapper};
  argv.insert(argv.end(), command.argv.begin(), command.argv.end());
  return argv;
}

}  // namespace lambdascope::lambda
