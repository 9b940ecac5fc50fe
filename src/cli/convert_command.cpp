// `lambdascope convert`: any readable profile to folded, pprof or speedscope.
#include <filesystem>

#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "formats/output_file.hpp"
#include "formats/writers.hpp"
#include "profile/value_choice.hpp"

namespace lambdascope::cli {

namespace {
struct ConvertFlags {
  InputFlags inputs;
  std::string to;
  std::string output;
  std::string weight = "samples";
  bool raw = false;
};
}  // namespace

Action add_convert_command(CLI::App& app) {
  auto flags = std::make_shared<ConvertFlags>();
  CLI::App* cmd =
      app.add_subcommand("convert", "Convert profiles between formats (several inputs are merged)");
  cmd->footer(
      "pprof output keeps per-sample time (label end_timestamp_ns), thread id and thread name labels, and "
      "is\n"
      "gzip'd unless --raw. speedscope output has one profile per thread.\n\n"
      "Examples:\n"
      "  lambdascope convert --to pprof perf.txt -o perf.pb.gz && go tool pprof -top perf.pb.gz\n"
      "  lambdascope convert --to speedscope profile.cpuprofile -o profile.speedscope.json\n"
      "  lambdascope convert --to folded cpu.pb.gz -o - | head");
  flags->inputs.add_to(cmd, /*perf_options=*/true, /*to_names_output=*/true);
  cmd->add_option("--to", flags->to, "Output format: folded, pprof, speedscope")
      ->required()
      ->check(CLI::IsMember({"folded", "pprof", "speedscope"}));
  cmd->add_option("-o,--output", flags->output, "Output file (- for stdout)")->required();
  cmd->add_option("--weight", flags->weight, "folded and speedscope: samples, period or a sample type name")
      ->capture_default_str();
  cmd->add_flag("--raw", flags->raw, "pprof: write uncompressed protobuf");
  return [flags] {
    const ConvertFlags& f = *flags;
    bool need_times = f.to != "folded";
    profile::Profile p = f.inputs.load(need_times);
    std::string bytes;
    if (f.to == "folded") {
      formats::FoldedWriteOptions o;
      o.value_index = profile::choose_value(p, f.weight);
      bytes = formats::write_folded(p, o);
    } else if (f.to == "pprof") {
      formats::PprofWriteOptions o;
      o.gzip = !f.raw;
      bytes = formats::write_pprof(p, o);
    } else {
      formats::SpeedscopeWriteOptions o;
      o.name = std::filesystem::path(f.inputs.files.front()).filename().string();
      o.value_index = profile::choose_value(p, f.weight);
      bytes = formats::write_speedscope(p, o);
    }
    formats::OutputFile out(f.output);
    out.write(bytes);
    out.commit();
    return 0;
  };
}

}  // namespace lambdascope::cli
