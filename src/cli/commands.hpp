// Each subcommand registers itself on the root CLI11 app; parsing and wiring only, the work is in the
// modules.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace lambdascope::cli {

// A registered subcommand's action; returns the process exit code.
using Action = std::function<int()>;

Action add_collapse_command(CLI::App& app);
Action add_convert_command(CLI::App& app);
Action add_flamegraph_command(CLI::App& app);
Action add_heatmap_command(CLI::App& app);
Action add_diff_command(CLI::App& app);
Action add_record_command(CLI::App& app);
Action add_local_command(CLI::App& app);
Action add_layer_command(CLI::App& app);
Action add_pull_command(CLI::App& app);
Action add_merge_command(CLI::App& app);
Action add_serve_command(CLI::App& app);
Action add_extension_command(CLI::App& app);
// The binary itself started from an extensions folder (/opt/extensions/NAME, no arguments): runs the
// extension under NAME and returns its exit code; -1 otherwise.
int run_from_extensions_folder(int argc, char** argv);

// Runs the whole command line; used by main() and by tests.
int run(int argc, char** argv);

}  // namespace lambdascope::cli
