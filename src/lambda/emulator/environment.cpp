#include "lambda/emulator/environment.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace lambdascope::lambda {

namespace fs = std::filesystem;

namespace {

const char* const kReserved[] = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

// Extensions see the function's variables except these (Extensions API docs).
bool hidden_from_extensions(const std::string& name) {
  return name == "AWS_EXECUTION_ENV" || name == "AWS_LAMBDA_LOG_GROUP_NAME" ||
         name == "AWS_LAMBDA_LOG_STREAM_NAME" || name.rfind("AWS_XRAY_", 0) == 0 ||
         name == "LAMBDA_RUNTIME_DIR" || name == "LAMBDA_TASK_ROOT" ||
         name.rfind("_AWS_XRAY_DAEMON_", 0) == 0 || name == "_HANDLER";
}

std::string join_paths(const std::vector<std::string>& parts) {
  std::string out;
  std::vector<std::string> seen;
  for (const auto& p : parts) {
    if (p.empty() || std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
    seen.push_back(p);
    if (!out.empty()) out += ':';
    out += p;
  }
  return out;
}

}  // namespace

void check_function_environment(const EnvMap& env) {
  for (const auto& [name, value] : env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      throw std::invalid_argument("bad environment variable name '" + name + "'");
    }
    for (const char* r : kReserved) {
      if (name == r)
        throw std::invalid_argument(name + " is reserved by Lambda and cannot be set by a function");
    }
  }
}

SandboxEnvironment sandbox_environment(const EmulatorOptions& o, const RuntimeCommand& command,
                                       const std::string& runtime_api, const std::string& log_stream_name) {
  std::string task_root = fs::absolute(o.function_dir).lexically_normal().string();
  if (task_root.size() > 1 && task_root.back() == '/') task_root.pop_back();
  // Lambda mounts layers at /opt and runs extensions from /opt/extensions; locally /opt is the folder that
  // holds the extensions folder when that folder is called "extensions".
  std::string opt;
  if (!o.extensions_dir.empty()) {
    fs::path ext = fs::absolute(o.extensions_dir).lexically_normal();
    if (ext.filename().empty()) ext = ext.parent_path();
    if (ext.filename() == "extensions") opt = ext.parent_path().string();
  }
  auto under_opt = [&](const std::string& sub) { return opt.empty() ? std::string() : opt + "/" + sub; };

  EnvMap env;
  std::string name = o.function_name.empty() ? fs::path(task_root).filename().string() : o.function_name;
  std::string handler = o.handler.empty() ? command.default_handler : o.handler;
  env["_HANDLER"] = handler;
  env["AWS_REGION"] = o.region;
  env["AWS_DEFAULT_REGION"] = o.region;
  if (!command.execution_env.empty()) env["AWS_EXECUTION_ENV"] = command.execution_env;
  env["AWS_LAMBDA_FUNCTION_NAME"] = name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(o.memory_mb);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = o.function_version;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream_name;
  env["AWS_LAMBDA_RUNTIME_API"] = runtime_api;
  env["LAMBDA_TASK_ROOT"] = task_root;
  env["LAMBDA_RUNTIME_DIR"] = command.runtime_dir;
  env["TZ"] = ":UTC";
  env["LANG"] = "en_US.UTF-8";
  // Lambda: /var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin.
  env["PATH"] = join_paths({command.node_bin_dir, "/usr/local/bin", "/usr/bin", "/bin", under_opt("bin")});
  // Lambda: /var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib.
  env["LD_LIBRARY_PATH"] = join_paths(
      {command.runtime_dir, command.runtime_dir + "/lib", task_root, task_root + "/lib", under_opt("lib")});
  if (command.kind == RuntimeCommand::Kind::kNodejs) {
    // Lambda:
    // /opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task.
    std::string major = command.version.size() > 7 ? command.version.substr(7) : "";
    env["NODE_PATH"] = join_paths({major.empty() ? "" : under_opt("nodejs/node" + major + "/node_modules"),
                                   under_opt("nodejs/node_modules"), command.node_modules_dir,
                                   command.runtime_dir, task_root});
  }
  // The credentials of the execution role: locally, the caller's own, when it has any in its environment.
  for (const char* key : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    if (const char* v = std::getenv(key)) env[key] = v;
  }
  for (const auto& [k, v] : o.environment) env[k] = v;

  SandboxEnvironment out;
  out.runtime = env;
  for (const auto& [k, v] : env) {
    if (!hidden_from_extensions(k)) out.extensions[k] = v;
  }
  return out;
}

std::vector<std::string> to_envp(const EnvMap& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace lambdascope::lambda
