// `record --listen` and its bounds (--listen-only, --metrics-top, --metrics-stacks, --max-stacks,
// --max-nodes): the flags only; the live export itself is server/live's LiveExport.
#pragma once

#include <CLI/CLI.hpp>

#include "server/live/live_export.hpp"

namespace lambdascope::cli {

void add_listen_flags(CLI::App* cmd, live::LiveExportOptions& o);

}  // namespace lambdascope::cli
