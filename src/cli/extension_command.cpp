// `lambdascope extension`: the Lambda extension's entry point (src/lambda/extension). The layer's
// extensions/lambdascope launcher runs it; settings come from the function's environment (LAMBDASCOPE_*),
// not from flags, because that is all Lambda lets a user set.
#include <cstdlib>

#include "cli/commands.hpp"
#include "lambda/extension/extension.hpp"

namespace lambdascope::cli {

Action add_extension_command(CLI::App& app) {
  auto name = std::make_shared<std::string>("lambdascope");
  CLI::App* cmd = app.add_subcommand(
      "extension",
      "Run as the Lambda extension (from /opt/extensions): one profile per invocation and one for init");
  cmd->add_option("--name", *name,
                  "Lambda-Extension-Name: the extension's file name in the extensions folder")
      ->capture_default_str();
  cmd->footer(
      "Settings (environment): LAMBDASCOPE_DESTINATION (file:///tmp/lambdascope), LAMBDASCOPE_FLUSH "
      "(background|invoke|shutdown), LAMBDASCOPE_SAMPLE_RATE, LAMBDASCOPE_MIN_DURATION_MS, "
      "LAMBDASCOPE_SPOOL_DIR, LAMBDASCOPE_SPOOL_MB, LAMBDASCOPE_DEBUG. See docs/lambda-extension.md.\n\n"
      "Examples:\n"
      "  # Lambda starts it as /opt/extensions/lambdascope (from `lambdascope layer`); locally:\n"
      "  lambdascope layer -o layer.zip && unzip -q layer.zip -d layer\n"
      "  lambdascope local --function examples/functions/node-hello --handler index.handler \\\n"
      "      --events examples/functions/node-hello/events.jsonl --extensions layer/extensions \\\n"
      "      --env AWS_LAMBDA_EXEC_WRAPPER=$PWD/layer/lambdascope-wrapper\n"
      "  lambdascope flamegraph lambdascope-data/node-hello/*/*/*/*/*_invoke_*.pb.gz -o invocations.html");
  return [name] {
    lambda::extension::ExtensionConfig config =
        lambda::extension::load_config([](const char* key) { return std::getenv(key); });
    config.name = *name;
    return lambda::extension::run_extension(std::move(config));
  };
}

}  // namespace lambdascope::cli

namespace lambdascope::cli {

int run_from_extensions_folder(int argc, char** argv) {
  if (argc != 1 || argv[0] == nullptr) return -1;
  std::string self = argv[0];
  size_t slash = self.rfind('/');
  if (slash == std::string::npos) return -1;
  std::string dir = self.substr(0, slash);
  std::string parent = dir.substr(dir.rfind('/') + 1);
  if (parent != "extensions") return -1;
  lambda::extension::ExtensionConfig config =
      lambda::extension::load_config([](const char* key) { return std::getenv(key); });
  config.name = self.substr(slash + 1);
  return lambda::extension::run_extension(std::move(config));
}

}  // namespace lambdascope::cli
