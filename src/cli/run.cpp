#include <cstdio>
#include <exception>
#include <map>
#include <regex>

#include "cli/commands.hpp"
#include "formats/parse_error.hpp"
#include "profile/merge.hpp"

namespace lambdascope::cli {

int run(int argc, char** argv) {
  if (int code = run_from_extensions_folder(argc, argv); code >= 0) return code;
  CLI::App app{"lambdascope: profiles for serverless functions, and the tools to read, merge and show them."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lambdascope 0.1.0");
  app.footer(
      "Examples:\n"
      "  perf script | lambdascope collapse - > out.folded\n"
      "  lambdascope convert --to pprof perf.txt.gz -o profile.pb.gz\n"
      "  lambdascope flamegraph perf.txt.gz -o flame.html\n"
      "  lambdascope heatmap perf.txt.gz -o heat.html\n"
      "  lambdascope diff before.txt after.txt -o diff.svg\n"
      "Run `lambdascope COMMAND --help` for a command's options.");
  std::map<CLI::App*, Action> actions;
  auto add = [&](Action (*make)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    Action a = make(app);
    actions[app.get_subcommands({})[before]] = std::move(a);
  };
  add(add_collapse_command);
  add(add_convert_command);
  add(add_flamegraph_command);
  add(add_heatmap_command);
  add(add_diff_command);
  add(add_record_command);
  add(add_local_command);
  add(add_layer_command);
  add(add_pull_command);
  add(add_merge_command);
  add(add_serve_command);
  add(add_extension_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // usage errors are bad input too
  }
  for (auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    try {
      return action();
    } catch (const formats::ParseError& e) {
      std::fprintf(stderr, "lambdascope: %s\n", e.what());
      return 2;
    } catch (const profile::MergeError& e) {
      std::fprintf(stderr, "lambdascope: cannot merge: %s\n", e.what());
      return 2;
    } catch (const std::regex_error& e) {
      std::fprintf(stderr, "lambdascope: bad regular expression: %s\n", e.what());
      return 2;
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "lambdascope: %s\n", e.what());  // a flag that does not fit the input
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lambdascope: %s\n", e.what());
      return 1;
    }
  }
  return 2;
}

}  // namespace lambdascope::cli
