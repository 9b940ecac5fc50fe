// `lambdascope record -- CMD ARGS...`: runs a command with the sampling agent preloaded, reads the rings of
// the process and of every child it forks or execs while it runs, symbolizes, and writes one profile per
// process (or one merged profile).
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "cli/commands.hpp"
#include "formats/output_file.hpp"
#include "formats/writers.hpp"
#include "profile/merge.hpp"
#include "render/embedded_files.hpp"
#include "render/html_page.hpp"
#include "render/page_payload.hpp"
#include "server/live/live_server.hpp"
#include "server/live/ring_feed.hpp"
#include "symbolize/profile_builder.hpp"
#include "symbolize/ring_reader.hpp"
#include "symbolize/symbolizer.hpp"

extern char** environ;

namespace lambdascope::cli {

namespace {

namespace fs = std::filesystem;
namespace ring = agent::ring;

struct RecordFlags {
  std::string mode = "cpu";
  int hz = 99;
  double duration = 0;
  std::string output = "profile.pb.gz";
  int depth = 128;
  std::string ring_size;
  std::string signal;
  bool merge = false;
  bool no_follow = false;
  bool node = false;
  bool python = false;
  bool lines = false;
  bool keep_rings = false;
  bool quiet = false;
  std::vector<std::string> debug_dirs;
  std::vector<std::string> command;
  std::string listen;        // --listen [ADDR:]PORT: serve live metrics, pprof and flame graph while it runs
  bool listen_only = false;  // keep no samples for a profile at exit, so nothing grows with time
  live::LiveOptions live;
};

enum class OutputKind { kPprof, kPprofRaw, kFolded, kHtml };

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

OutputKind output_kind(const std::string& path) {
  if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof") || ends_with(path, ".pprof.gz"))
    return OutputKind::kPprof;
  if (ends_with(path, ".pb")) return OutputKind::kPprofRaw;
  if (ends_with(path, ".folded") || ends_with(path, ".collapsed") || ends_with(path, ".txt"))
    return OutputKind::kFolded;
  if (ends_with(path, ".html")) return OutputKind::kHtml;
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

std::string find_agent() {
  if (const char* env = std::getenv("LAMBDASCOPE_AGENT"); env != nullptr && *env != '\0') {
    if (::access(env, R_OK) == 0) return fs::absolute(env).string();
    throw std::runtime_error(std::string("LAMBDASCOPE_AGENT=") + env + " is not readable");
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path dir = self.parent_path();
    for (fs::path candidate : {dir / "liblambdascope-agent.so", dir / "../lib/liblambdascope-agent.so",
                               dir / "../lib/lambdascope/liblambdascope-agent.so"}) {
      if (fs::is_regular_file(candidate, ec)) return fs::weakly_canonical(candidate).string();
    }
  }
  throw std::runtime_error(
      "cannot find liblambdascope-agent.so next to the lambdascope binary; set LAMBDASCOPE_AGENT to its "
      "path");
}

// The file execvp would run, or "".
std::string resolve_command(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// A statically linked ELF executable never runs the dynamic loader, so LD_PRELOAD cannot load the agent.
bool is_static_elf(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Elf64_Ehdr eh;
  bool is_static = false;
  if (::pread(fd, &eh, sizeof eh, 0) == sizeof eh && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum < 256) {
    is_static = true;
    for (int i = 0; i < eh.e_phnum; ++i) {
      Elf64_Phdr ph;
      if (::pread(fd, &ph, sizeof ph, static_cast<off_t>(eh.e_phoff + i * sizeof ph)) != sizeof ph) break;
      if (ph.p_type == PT_INTERP) is_static = false;
    }
  }
  ::close(fd);
  return is_static;
}

struct RingSlot {
  std::unique_ptr<symbolize::RingReader> reader;
  symbolize::RingData data;
};

class RingCollector {
 public:
  explicit RingCollector(std::string dir) : dir_(std::move(dir)) {}
  // Opens rings that appeared and drains every ring.
  void poll() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      std::string path = entry.path().string();
      if (!ends_with(path, ".ring") || slots_.count(path) != 0) continue;
      std::string error;
      auto reader = symbolize::RingReader::open(path, &error);
      if (reader == nullptr) continue;  // its header is still being written: next time
      RingSlot slot;
      slot.reader = std::move(reader);
      slots_.emplace(path, std::move(slot));
    }
    for (auto& [path, slot] : slots_) slot.reader->poll(slot.data);
  }
  void request_all(ring::Command c) {
    for (auto& [path, slot] : slots_) slot.reader->request(c);
  }
  std::map<std::string, RingSlot>& slots() { return slots_; }

 private:
  std::string dir_;
  std::map<std::string, RingSlot> slots_;
};

// --listen: the aggregator the rings feed and the server that reads it, for the command's lifetime.
struct LiveExport {
  LiveExport(const RecordFlags& f, const symbolize::SymbolizeOptions& so)
      : aggregator(f.live),
        server(aggregator, fs::path(f.command.front()).filename().string()),
        feed(aggregator, so) {}
  void feed_rings(std::map<std::string, RingSlot>& slots, bool consume) {
    std::vector<symbolize::RingData*> rings;
    for (auto& [path, slot] : slots) rings.push_back(&slot.data);
    feed.feed(rings, live::unix_now(), consume);
  }
  live::LiveAggregator aggregator;
  live::LiveServer server;
  live::RingFeed feed;
};

volatile sig_atomic_t g_forward_pid = 0;
void forward_signal(int sig) {
  if (g_forward_pid > 0) ::kill(g_forward_pid, sig);
}

std::string format_ns(double ns) {
  char buf[32];
  if (ns < 1000)
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else
    std::snprintf(buf, sizeof buf, "%.2f us", ns / 1000);
  return buf;
}

// Symbolizes what the rings hold and writes the profile(s), with a summary on stderr.
void write_profiles(const RecordFlags& f, OutputKind kind, RingCollector& rings, pid_t root, bool is_static) {
  // One profile per pid (rings of one pid are exec'd images, in sequence order).
  std::map<int, std::vector<symbolize::RingData*>> by_pid;
  for (auto& [path, slot] : rings.slots()) by_pid[slot.data.info.pid].push_back(&slot.data);
  for (auto& [pid, list] : by_pid)
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->info.sequence < b->info.sequence; });

  symbolize::SymbolizeOptions so;
  so.lines = f.lines;
  if (!f.debug_dirs.empty())
    so.debug_dirs.insert(so.debug_dirs.begin(), f.debug_dirs.begin(), f.debug_dirs.end());
  symbolize::Symbolizer symbolizer(so);

  std::map<int, profile::Profile> profiles;
  uint64_t total_samples = 0;
  for (auto& [pid, list] : by_pid) {
    profile::Profile& p = profiles[pid];
    symbolize::init_profile(p, list.front()->info);
    for (symbolize::RingData* d : list) {
      symbolize::add_ring(p, *d, symbolizer);
      uint64_t samples = d->counters[ring::kSamples];
      total_samples += p.num_samples();
      if (!f.quiet) {
        std::string exe_name = d->info.exe.empty() ? "?" : fs::path(d->info.exe).filename().string();
        double cost =
            samples ? static_cast<double>(d->counters[ring::kHandlerNs]) / static_cast<double>(samples) : 0;
        std::fprintf(stderr,
                     "lambdascope: pid %d (%s): %" PRIu64 " samples%s, %s per sample in the handler\n", pid,
                     exe_name.c_str(), samples,
                     d->counters[ring::kIdleSamples]
                         ? (" + " + std::to_string(d->counters[ring::kIdleSamples]) + " idle").c_str()
                         : "",
                     format_ns(cost).c_str());
      }
      for (const std::string& w : symbolize::ring_warnings(*d))
        std::fprintf(stderr, "lambdascope: pid %d: %s\n", pid, w.c_str());
    }
  }

  // --node and --python turned the runtimes' perf maps on; they are read now, so they go.
  if (f.node || f.python) {
    std::error_code ec;
    for (auto& [pid, list] : by_pid)
      fs::remove(so.perf_map_dir + "/perf-" + std::to_string(pid) + ".map", ec);
  }

  auto write = [&](const profile::Profile& p, const std::string& path) {
    std::string bytes;
    if (kind == OutputKind::kFolded) {
      formats::FoldedWriteOptions o;
      o.value_index = 1;
      bytes = formats::write_folded(p, o);
    } else if (kind == OutputKind::kHtml) {
      // The interactive flame graph page, as `lambdascope flamegraph` writes it.
      render::PagePayload payload;
      payload.page = render::PageKind::kFlamegraph;
      payload.title = "Flame graph: " + fs::path(f.command.front()).filename().string() + " (" + f.mode + ")";
      payload.options.value = 1;  // CPU or wall nanoseconds
      payload.profiles.push_back({&p, {}});
      payload.detail = render::SampleDetail::kAggregated;
      bytes = render::html_page(payload.title, render::page_payload_json(payload), render::web_bundle());
    } else {
      formats::PprofWriteOptions o;
      o.gzip = kind == OutputKind::kPprof;
      bytes = formats::write_pprof(p, o);
    }
    formats::OutputFile out(path);
    out.write(bytes);
    out.commit();
    if (!f.quiet)
      std::fprintf(stderr, "lambdascope: wrote %s (%zu samples)\n", path.c_str(), p.num_samples());
  };

  if (profiles.empty() || total_samples == 0) {
    std::fprintf(stderr, "lambdascope: no samples recorded%s; no profile written\n",
                 is_static          ? " (the command is statically linked)"
                 : profiles.empty() ? " (the agent did not start in the command: does it ignore LD_PRELOAD?)"
                                    : "");
    return;
  }
  if (f.merge || profiles.size() == 1) {
    std::vector<const profile::Profile*> all;
    for (auto& [pid, p] : profiles) all.push_back(&p);
    if (all.size() == 1)
      write(*all.front(), f.output);
    else
      write(profile::merge(all), f.output);
  } else {
    for (auto& [pid, p] : profiles) {
      if (p.num_samples() == 0) continue;
      write(p, pid == root ? f.output : per_process_path(f.output, pid));
    }
  }
}

int run_record(const RecordFlags& f) {
  OutputKind kind = output_kind(f.output);
  // Fail before running the command, not after it.
  fs::path out_dir = fs::path(f.output).parent_path();
  if (!out_dir.empty() && !fs::is_directory(out_dir))
    throw std::invalid_argument(f.output + ": directory " + out_dir.string() + " does not exist");
  std::string agent = find_agent();
  std::string exe = resolve_command(f.command.front());
  if (exe.empty()) {
    std::fprintf(stderr, "lambdascope: %s: command not found\n", f.command.front().c_str());
    return 127;
  }
  bool is_static = is_static_elf(exe);
  if (f.listen_only && f.listen.empty())
    throw std::invalid_argument("--listen-only needs --listen [ADDR:]PORT");
  std::unique_ptr<LiveExport> live_export;
  if (!f.listen.empty()) {
    // Listen before running the command: a port in use fails here, not after the command started.
    live::ListenAddress address = live::parse_listen_address(f.listen);
    symbolize::SymbolizeOptions so;
    so.lines = f.lines;
    if (!f.debug_dirs.empty())
      so.debug_dirs.insert(so.debug_dirs.begin(), f.debug_dirs.begin(), f.debug_dirs.end());
    live_export = std::make_unique<LiveExport>(f, so);
    int port = live_export->server.start(address);
    std::fprintf(stderr,
                 "lambdascope: serving http://%s:%d/ (/metrics, /debug/pprof/profile, /flamegraph.json)\n",
                 address.host.find(':') != std::string::npos ? ("[" + address.host + "]").c_str()
                                                             : address.host.c_str(),
                 port);
  }
  if (is_static)
    std::fprintf(
        stderr,
        "lambdascope: warning: %s is statically linked: LD_PRELOAD cannot load the agent into it, so it "
        "will not be profiled (a static Go binary? use its own pprof)\n",
        exe.c_str());

  char dir_template[] = "/tmp/lambdascope-record-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr)
    throw std::runtime_error(std::string("cannot create a directory in /tmp: ") + std::strerror(errno));
  std::string ring_dir = dir_template;

  // The child's environment.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string preload = agent;
  if (auto it = env.find("LD_PRELOAD"); it != env.end() && !it->second.empty()) preload += ":" + it->second;
  env["LD_PRELOAD"] = preload;
  env["LAMBDASCOPE_MODE"] = f.mode;
  env["LAMBDASCOPE_HZ"] = std::to_string(f.hz);
  env["LAMBDASCOPE_DEPTH"] = std::to_string(f.depth);
  env["LAMBDASCOPE_RING_DIR"] = ring_dir;
  env["LAMBDASCOPE_CHILDREN"] = f.no_follow ? "0" : "1";
  if (!f.ring_size.empty()) env["LAMBDASCOPE_RING_SIZE"] = f.ring_size;
  if (!f.signal.empty()) env["LAMBDASCOPE_SIGNAL"] = f.signal;
  if (f.duration > 0) env["LAMBDASCOPE_DURATION"] = std::to_string(static_cast<long>(f.duration + 0.999));
  // ASan programs insist on their runtime being first in the link map; the agent is first here, harmlessly.
  std::string& asan = env["ASAN_OPTIONS"];
  asan += std::string(asan.empty() ? "" : ":") + "verify_asan_link_order=0";
  if (f.node) {
    std::string& node = env["NODE_OPTIONS"];
    node += std::string(node.empty() ? "" : " ") + "--perf-basic-prof --interpreted-frames-native-stack";
  }
  if (f.python) env["PYTHONPERFSUPPORT"] = "1";
  std::vector<std::string> env_strings;
  for (auto& [k, v] : env) env_strings.push_back(k + "=" + v);

  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    env_strings.push_back("LAMBDASCOPE_ROOT_PID=" + std::to_string(::getpid()));
    std::vector<char*> argv, envp;
    for (const std::string& a : f.command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(exe.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "lambdascope: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
    ::_exit(127);
  }

  // Ctrl-C goes to the whole foreground group: the command gets it, we stay to write the profile.
  g_forward_pid = child;
  struct sigaction ignore {
  }, forward{}, old_int{}, old_quit{}, old_term{};
  ignore.sa_handler = SIG_IGN;
  forward.sa_handler = forward_signal;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  ::sigaction(SIGTERM, &forward, &old_term);

  RingCollector rings(ring_dir);
  auto start = std::chrono::steady_clock::now();
  constexpr double kLiveFeedSeconds =
      0.25;  // how stale /metrics may be; each feed symbolizes only what is new
  double next_feed = 0;
  bool written = false;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(child, &status, WNOHANG);
    if (r == child || (r < 0 && errno != EINTR)) break;
    rings.poll();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (live_export && elapsed >= next_feed) {
      live_export->feed_rings(rings.slots(), f.listen_only);
      next_feed = elapsed + kLiveFeedSeconds;
    }
    if (f.duration > 0 && elapsed >= f.duration && !written && !f.listen_only) {
      // Profile what the duration covered now; the command itself goes on, and we wait for it.
      rings.request_all(ring::Command::kStop);
      rings.poll();
      write_profiles(f, kind, rings, child, is_static);
      written = true;
      if (!f.quiet)
        std::fprintf(stderr, "lambdascope: sampling stopped after %g s; waiting for the command to exit\n",
                     f.duration);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  g_forward_pid = 0;
  // Children still running (daemons) keep their samples so far; ask them to stop writing.
  rings.poll();
  rings.request_all(ring::Command::kStop);
  rings.poll();

  if (live_export) {
    live_export->feed_rings(rings.slots(), f.listen_only);
    live_export->server.stop();
  }
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  if (f.listen_only) {
    if (!f.quiet) std::fprintf(stderr, "lambdascope: --listen-only: no profile written\n");
  } else if (!written) {
    write_profiles(f, kind, rings, child, is_static);
  }
  if (!f.keep_rings) {
    std::error_code ec;
    fs::remove_all(ring_dir, ec);
  } else if (!f.quiet) {
    std::fprintf(stderr, "lambdascope: rings kept in %s\n", ring_dir.c_str());
  }
  return exit_code;
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
  cmd->add_flag("--node", flags->node, "Make Node.js JIT frames visible (--perf-basic-prof)");
  cmd->add_flag("--python", flags->python, "Make Python 3.12+ frames visible (-X perf)");
  cmd->add_flag("--lines", flags->lines, "Add source lines and inlined frames from DWARF (slower)");
  cmd->add_option("--debug-dir", flags->debug_dirs, "Also look for separate debug files here");
  cmd->add_flag("--keep-rings", flags->keep_rings, "Keep the raw sample rings (for debugging)");
  cmd->add_flag("-q,--quiet", flags->quiet, "No summary on stderr");
  cmd->add_option(
      "--listen", flags->listen,
      "While the command runs, serve /metrics (Prometheus), /debug/pprof/profile, /flamegraph.json and "
      "a live flame graph at [ADDR:]PORT (ADDR defaults to 127.0.0.1; docs/live.md)");
  cmd->add_flag("--listen-only", flags->listen_only,
                "With --listen: write no profile at exit and keep no samples for one, so that memory stays "
                "bounded however long the command runs (long-running services)");
  cmd->add_option(
         "--metrics-top", flags->live.metrics_top,
         "With --listen: functions with their own series (top by self time over a minute), plus other")
      ->check(CLI::Range(size_t{1}, live::kMaxMetricsTop))
      ->capture_default_str();
  cmd->add_option("--metrics-stacks", flags->live.metrics_stacks,
                  "With --listen: also lambdascope_stack_self_seconds_total for this many heaviest stacks")
      ->check(CLI::Range(size_t{0}, live::kMaxMetricsStacks))
      ->capture_default_str();
  cmd->add_option("--max-stacks", flags->live.max_stacks,
                  "With --listen: stack table entries kept live; samples of stacks beyond go to [other]")
      ->check(CLI::Range(size_t{256}, size_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--max-nodes", flags->live.max_nodes,
                  "With --listen: rows of /flamegraph.json; the rest is folded into other")
      ->check(CLI::Range(size_t{10}, size_t{1000000}))
      ->capture_default_str();
  cmd->add_option("command", flags->command, "The command to run, after --")->required();
  return [flags] { return run_record(*flags); };
}

}  // namespace lambdascope::cli
