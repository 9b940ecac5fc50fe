// `lambdascope collapse`: any profile to folded stacks, with stackcollapse-perf.pl's options.
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "formats/output_file.hpp"
#include "formats/writers.hpp"
#include "profile/value_choice.hpp"

namespace lambdascope::cli {

namespace {
struct CollapseFlags {
  InputFlags inputs;
  bool pid = false, tid = false, kernel = false, jit = false, all = false;
  std::string weight = "samples";
  std::string output = "-";
};
}  // namespace

Action add_collapse_command(CLI::App& app) {
  auto flags = std::make_shared<CollapseFlags>();
  CLI::App* cmd =
      app.add_subcommand("collapse", "Print folded stacks (one line per distinct stack with its weight)");
  cmd->footer(
      "Lines are sorted and identical stacks summed, like stackcollapse-perf.pl; the root frame is the "
      "thread\n"
      "name (comm) when the input has one. Time filters use seconds from the start of the first sample's "
      "second.\n\n"
      "Examples:\n"
      "  perf script | lambdascope collapse - > out.folded\n"
      "  lambdascope collapse --all --tid perf.txt.gz\n"
      "  lambdascope collapse --weight period --event-filter cycles perf.txt\n"
      "  lambdascope collapse --from 2 --to 2.5 --only-comm node perf.txt");
  flags->inputs.add_to(cmd);
  cmd->add_flag("--pid", flags->pid, "Root frame comm-PID");
  cmd->add_flag("--tid", flags->tid, "Root frame comm-PID/TID");
  cmd->add_flag("--kernel", flags->kernel, "Annotate kernel frames with _[k]");
  cmd->add_flag("--jit", flags->jit, "Annotate JIT frames with _[j]");
  cmd->add_flag("--all", flags->all, "All annotations (--kernel --jit, and _[i] on inlined frames)");
  cmd->add_option(
         "--weight", flags->weight,
         "samples (default: each sample counts 1), period (perf's period when printed, as the reference "
         "collapsers stackcollapse-perf.pl and inferno weight), or a sample type name")
      ->capture_default_str();
  cmd->add_option("-o,--output", flags->output, "Output file (default: stdout)");
  return [flags] {
    const CollapseFlags& f = *flags;
    profile::Profile p = f.inputs.load(/*need_times=*/false);
    formats::FoldedWriteOptions o;
    o.value_index = profile::choose_value(p, f.weight);
    o.pid = f.pid || f.tid;
    o.tid = f.tid;
    o.annotate_kernel = f.kernel || f.all;
    o.annotate_jit = f.jit || f.all;
    o.annotate_inlined = f.all;
    std::string text = formats::write_folded(p, o);
    formats::OutputFile out(f.output);
    out.write(text);
    out.commit();
    return 0;
  };
}

}  // namespace lambdascope::cli
