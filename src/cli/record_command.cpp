// `lambdascope record -- CMD ARGS...`: runs a command with the sampling agent preloaded, reads the rings of
// the process and of every child it forks or execs while it runs, symbolizes, and writes one profile per
// process (or one merged profile). The work is capture::record; this file picks the output format.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "capture/record.hpp"
#include "cli/commands.hpp"
#include "cli/listen_flags.hpp"
#include "formats/output_file.hpp"
#include "formats/writers.hpp"
#include "render/embedded_files.hpp"
#include "render/html_page.hpp"
#include "render/page_payload.hpp"

namespace lambdascope::cli {

namespace {

namespace fs = std::filesystem;

struct RecordFlags : capture::RecordOptions {
  std::string output = "profile.pb.gz";
  live::LiveExportOptions live;  // --listen and its bounds
};

enum class RecordOutput { kPprof, kPprofRaw, kFolded, kHtml };

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

RecordOutput output_kind(const std::string& path) {
  if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof") || ends_with(path, ".pprof.gz"))
    return RecordOutput::kPprof;
  if (ends_with(path, ".pb")) return RecordOutput::kPprofRaw;
  if (ends_with(path, ".folded") || ends_with(path, ".collapsed") || ends_with(path, ".txt"))
    return RecordOutput::kFolded;
  if (ends_with(path, ".html")) return RecordOutput::kHtml;
  throw std::invalid_argument(path + ": unknown output format (use .pb.gz, .pb, .folded or .html)");
}

// out.pb.gz -> out.<pid>.pb.gz
std::string per_process_path(const std::string& path, int pid) {
  fs::path p(path);
  std::string name = p.filename().string();
  size_t dot = name.find('.');
  std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  return (p.parent_path() / (stem + "." + std::to_string(pid) + ext)).string();
}

std::string profile_bytes(const RecordFlags& f, RecordOutput kind, const profile::Profile& p) {
  if (kind == RecordOutput::kFolded) {
    formats::FoldedWriteOptions o;
    o.value_index = 1;
    return formats::write_folded(p, o);
  }
  if (kind == RecordOutput::kHtml) {
    // The interactive flame graph page, as `lambdascope flamegraph` writes it.
    render::PagePayload payload;
    payload.page = render::PageKind::kFlamegraph;
    payload.title = "Flame graph: " + fs::path(f.command.front()).filename().string() + " (" + f.mode + ")";
    payload.options.value = 1;  // CPU or wall nanoseconds
    payload.profiles.push_back({&p, {}});
    payload.detail = render::SampleDetail::kAggregated;
    return render::html_page(payload.title, render::page_payload_json(payload), render::web_bundle());
  }
  formats::PprofWriteOptions o;
  o.gzip = kind == RecordOutput::kPprof;
  return formats::write_pprof(p, o);
}

int run_record(const RecordFlags& f) {
  RecordOutput kind = output_kind(f.output);
  // Fail before running the command, not after it.
  fs::path out_dir = fs::path(f.output).parent_path();
  if (!out_dir.empty() && !fs::is_directory(out_dir))
    throw std::invalid_argument(f.output + ": directory " + out_dir.string() + " does not exist");
  if (f.live.listen_only && f.live.listen.empty())
    throw std::invalid_argument("--listen-only needs --listen [ADDR:]PORT");
  capture::RecordOptions options = f;
  std::unique_ptr<live::LiveExport> live_export;  // listens before the command runs
  if (!f.live.listen.empty()) live_export = std::make_unique<live::LiveExport>(f.live, options);
  return capture::record(options, [&](const profile::Profile& p, int pid, bool root) {
    std::string path = root ? f.output : per_process_path(f.output, pid);
    formats::OutputFile out(path);
    out.write(profile_bytes(f, kind, p));
    out.commit();
    if (!f.quiet)
      std::fprintf(stderr, "lambdascope: wrote %s (%zu samples)\n", path.c_str(), p.num_samples());
  });
}

}  // namespace

Action add_record_command(CLI::App& app) {
  auto flags = std::make_shared<RecordFlags>();
  CLI::App* cmd =
      app.add_subcommand("record", "Run a command under the sampling agent and write its profile");
  cmd->footer(
      "Samples every thread of the command (and of the processes it forks or execs) from inside, with no "
      "root\n"
      "and no perf_events: CPU time with per-thread CPU timers, or wall time with a sampler thread. One\n"
      "profile per process (out.PID.pb.gz for children) unless --merge. pprof output has per-sample\n"
      "end_timestamp_ns, thread id and thread name labels. Exits with the command's exit code.\n\n"
      "Examples:\n"
      "  lambdascope record -o cpu.pb.gz -- ./server --port 8080\n"
      "  lambdascope record --mode wall --hz 49 -o wall.pb.gz -- python3 app.py\n"
      "  lambdascope record --node -o app.html -- node app.js\n"
      "  lambdascope record --java -o app.pb.gz -- java -cp app.jar Main\n"
      "  lambdascope record --duration 10 --merge -o all.pb.gz -- make -j4\n"
      "  lambdascope record --node --listen 9142 -- node app.js   # Prometheus, pprof, Grafana: "
      "docs/live.md");
  cmd->add_option("--mode", flags->mode,
                  "cpu (CPU time of each thread) or wall (every thread, running or not)")
      ->check(CLI::IsMember({"cpu", "wall"}))
      ->capture_default_str();
  cmd->add_option("--hz", flags->hz, "Samples per second per thread")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--duration", flags->duration,
                  "Stop sampling after this many seconds (the command keeps running)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", flags->output,
                  "Output: .pb.gz (pprof), .pb (uncompressed pprof), .folded, or .html (flame graph page)")
      ->capture_default_str();
  cmd->add_option("--depth", flags->depth, "Maximum frames per stack")
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
  cmd->add_option("--ring-size", flags->ring_size,
                  "Sample ring per process, bytes (K/M suffixes; default 8M)");
  cmd->add_option("--signal", flags->signal,
                  "Signal to sample with (default: SIGPROF, or the first free one)");
  cmd->add_flag("--merge", flags->merge, "One profile for all processes (with a pid label)");
  cmd->add_flag("--no-follow", flags->no_follow, "Profile only the command's own process, not its children");
  cmd->add_flag("--node", flags->node, "Make Node.js JIT frames visible (--perf-basic-prof-only-functions)");
  cmd->add_flag("--python", flags->python, "Make Python 3.12+ frames visible (-X perf)");
  cmd->add_flag("--python-interpreter-frames", flags->python_interpreter_frames,
                "Keep CPython's own C frames between Python frames (collapsed by default)");
  cmd->add_flag("--java", flags->java, "Name Java frames (the agent as a JVMTI agent, AsyncGetCallTrace)");
  cmd->add_flag("--lines", flags->lines, "Add source lines and inlined frames from DWARF (slower)");
  cmd->add_option("--debug-dir", flags->debug_dirs, "Also look for separate debug files here (repeatable)")
      ->allow_extra_args(false);  // one value each, so `--debug-dir D -- cmd -x` runs cmd -x
  cmd->add_flag("--keep-rings", flags->keep_rings,
                "Keep the ring files (for debugging: their headers, with state, counters and last warning; "
                "the records in them are consumed)");
  cmd->add_flag("-q,--quiet", flags->quiet, "No summary on stderr");
  add_listen_flags(cmd, flags->live);
  cmd->add_option("command", flags->command, "The command to run, after --")->required();
  return [flags] { return run_record(*flags); };
}

}  // namespace lambdascope::cli
