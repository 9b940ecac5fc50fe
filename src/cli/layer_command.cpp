// `lambdascope layer -o lambdascope-layer.zip`: packs this binary, its private shared libraries, the agent
// and the two launch scripts into a Lambda layer (src/lambda/layer/layer_builder.hpp has the layout).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "capture/agent_locator.hpp"
#include "cli/commands.hpp"
#include "formats/output_file.hpp"
#include "lambda/layer/layer_builder.hpp"

namespace lambdascope::cli {

namespace {

namespace fs = std::filesystem;

struct LayerFlags {
  std::string output = "lambdascope-layer.zip";
  std::string agent;
  bool no_strip = false;
  bool quiet = false;
};

fs::path self_path() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot read /proc/self/exe: " + ec.message());
  return self;
}

int run_layer(const LayerFlags& flags) {
  lambda::layer::LayerOptions options;
  fs::path self = self_path();
  options.binary = self.string();
  options.agent =
      flags.agent.empty() ? capture::find_agent("pass --agent or set LAMBDASCOPE_AGENT") : flags.agent;
  options.strip = !flags.no_strip;

  formats::OutputFile out(flags.output);  // first: a bad output path fails before any work
  lambda::layer::LayerPlan plan = lambda::layer::plan_layer(options);
  std::string zip = lambda::layer::build_layer_zip(plan, &plan.warnings);
  for (const std::string& w : plan.warnings) std::fprintf(stderr, "lambdascope: warning: %s\n", w.c_str());

  out.write(zip);
  out.commit();
  if (!flags.quiet && flags.output != "-") {
    std::fprintf(stderr, "lambdascope: wrote %s (%zu files, %.1f MB)\n", flags.output.c_str(),
                 plan.entries.size(), static_cast<double>(zip.size()) / 1e6);
    std::fprintf(stderr,
                 "  publish: aws lambda publish-layer-version --layer-name lambdascope "
                 "--zip-file fileb://%s --compatible-architectures x86_64\n",
                 flags.output.c_str());
  }
  return 0;
}

}  // namespace

Action add_layer_command(CLI::App& app) {
  auto flags = std::make_shared<LayerFlags>();
  CLI::App* sub = app.add_subcommand(
      "layer",
      "Build the Lambda layer zip: the extension, the exec wrapper, the agent, and this binary with its "
      "shared libraries (docs/lambda.md)");
  sub->add_option("-o,--output", flags->output,
                  "The zip to write (default lambdascope-layer.zip; - for stdout)");
  sub->add_option(
         "--agent", flags->agent,
         "The liblambdascope-agent.so to pack (default: the one beside this binary, or $LAMBDASCOPE_AGENT)")
      ->check(CLI::ExistingFile);
  sub->add_flag("--no-strip", flags->no_strip,
                "Keep debug information in the binary and the agent (larger zip)");
  sub->add_flag("-q,--quiet", flags->quiet, "No summary on stderr");
  sub->footer(
      "Examples:\n"
      "  lambdascope layer -o lambdascope-layer.zip\n"
      "  aws lambda publish-layer-version --layer-name lambdascope --zip-file fileb://lambdascope-layer.zip");
  return [flags] { return run_layer(*flags); };
}

}  // namespace lambdascope::cli
