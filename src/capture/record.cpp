#include "capture/record.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

#include "capture/agent_locator.hpp"
#include "capture/executable.hpp"
#include "capture/launcher.hpp"
#include "capture/profile_builder.hpp"
#include "capture/reader_marker.hpp"
#include "capture/ring_collector.hpp"
#include "profile/merge.hpp"
#include "symbolize/symbolizer.hpp"

namespace lambdascope::capture {

namespace {

namespace fs = std::filesystem;
namespace ring = agent::ring;

std::string format_ns(double ns) {
  char buf[32];
  if (ns < 1000)
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else
    std::snprintf(buf, sizeof buf, "%.2f us", ns / 1000);
  return buf;
}

void print_ring_summary(int pid, const RingData& d) {
  uint64_t samples = d.counters[ring::kSamples];
  std::string exe_name = d.info.exe.empty() ? "?" : fs::path(d.info.exe).filename().string();
  double cost =
      samples ? static_cast<double>(d.counters[ring::kHandlerNs]) / static_cast<double>(samples) : 0;
  std::string idle =
      d.counters[ring::kIdleSamples] ? " + " + std::to_string(d.counters[ring::kIdleSamples]) + " idle" : "";
  std::fprintf(stderr, "lambdascope: pid %d (%s): %" PRIu64 " samples%s, %s per sample in the handler\n", pid,
               exe_name.c_str(), samples, idle.c_str(), format_ns(cost).c_str());
}

// --node and --python turned the runtimes' perf maps on; once read, they go.
void remove_perf_maps(const RecordOptions& o, RingCollector& rings) {
  if (!o.node && !o.python) return;
  std::string dir = symbolize::SymbolizeOptions().perf_map_dir;
  std::error_code ec;
  for (auto& [path, slot] : rings.slots())
    fs::remove(dir + "/perf-" + std::to_string(slot.data.info.pid) + ".map", ec);
}

void call_hook(const RecordOptions& o, RingCollector& rings, bool last) {
  if (!o.on_poll) return;
  std::vector<RingData*> data;
  for (auto& [path, slot] : rings.slots()) data.push_back(&slot.data);
  o.on_poll(data, last);
}

// Symbolizes what the rings hold and hands the profile(s) to the sink, with a summary on stderr.
void emit_profiles(const RecordOptions& o, RingCollector& rings, pid_t root, bool is_static,
                   const ProfileSink& sink) {
  // One profile per pid (rings of one pid are exec'd images, in sequence order).
  std::map<int, std::vector<RingData*>> by_pid;
  for (auto& [path, slot] : rings.slots()) by_pid[slot.data.info.pid].push_back(&slot.data);
  for (auto& [pid, list] : by_pid)
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->info.sequence < b->info.sequence; });

  symbolize::SymbolizeOptions so;
  so.lines = o.lines;
  if (!o.debug_dirs.empty())
    so.debug_dirs.insert(so.debug_dirs.begin(), o.debug_dirs.begin(), o.debug_dirs.end());
  symbolize::Symbolizer symbolizer(so);

  std::map<int, profile::Profile> profiles;
  uint64_t total_samples = 0;
  for (auto& [pid, list] : by_pid) {
    profile::Profile& p = profiles[pid];
    init_profile(p, list.front()->info);
    for (RingData* d : list) {
      BuildOptions bo;
      bo.python_interpreter_frames = o.python_interpreter_frames;
      add_ring(p, *d, symbolizer, bo);
      total_samples += p.num_samples();
      if (!o.quiet) print_ring_summary(pid, *d);
      for (const std::string& w : ring_warnings(*d))
        std::fprintf(stderr, "lambdascope: pid %d: %s\n", pid, w.c_str());
    }
  }

  remove_perf_maps(o, rings);

  if (profiles.empty() || total_samples == 0) {
    std::fprintf(stderr, "lambdascope: no samples recorded%s; no profile written\n",
                 is_static          ? " (the command is statically linked)"
                 : profiles.empty() ? " (the agent did not start in the command: does it ignore LD_PRELOAD?)"
                                    : "");
    return;
  }
  if (o.merge || profiles.size() == 1) {
    std::vector<const profile::Profile*> all;
    for (auto& [pid, p] : profiles) all.push_back(&p);
    if (all.size() == 1)
      sink(*all.front(), profiles.begin()->first, true);
    else
      sink(profile::merge(all), 0, true);
  } else {
    for (auto& [pid, p] : profiles)
      if (p.num_samples() != 0) sink(p, pid, pid == root);
  }
}

}  // namespace

int record(const RecordOptions& o, const ProfileSink& sink) {
  AgentSettings settings;
  settings.agent = find_agent("set LAMBDASCOPE_AGENT to its path");
  std::string exe = resolve_command(o.command.front());
  if (exe.empty()) {
    std::fprintf(stderr, "lambdascope: %s: command not found\n", o.command.front().c_str());
    return 127;
  }
  bool is_static = is_static_elf(exe);
  if (is_static)
    std::fprintf(
        stderr,
        "lambdascope: warning: %s is statically linked: LD_PRELOAD cannot load the agent into it, so it "
        "will not be profiled (a static Go binary? use its own pprof)\n",
        exe.c_str());

  char dir_template[] = "/tmp/lambdascope-record-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr)
    throw std::runtime_error(std::string("cannot create a directory in /tmp: ") + std::strerror(errno));
  settings.ring_dir = dir_template;
  settings.mode = o.mode;
  settings.hz = o.hz;
  settings.depth = o.depth;
  settings.follow_children = !o.no_follow;
  settings.ring_size = o.ring_size;
  settings.signal = o.signal;
  settings.duration = o.duration;
  settings.node = o.node;
  settings.python = o.python;
  settings.java = o.java;

  // Announced before the command starts: its processes keep their rings at exit for us.
  std::optional<ReaderMarker> marker(std::in_place, settings.ring_dir);
  pid_t child = launch(exe, o.command, agent_environment(settings));
  RingCollector rings(settings.ring_dir);
  bool emitted = false;
  int status = 0;
  {
    // Ctrl-C goes to the whole foreground group: the command gets it, we stay to write the profile.
    SignalForwarder forwarder(child);
    auto start = std::chrono::steady_clock::now();
    for (;;) {
      pid_t r = ::waitpid(child, &status, WNOHANG);
      if (r == child || (r < 0 && errno != EINTR)) break;
      rings.poll();
      call_hook(o, rings, false);
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (o.exit_profile && o.duration > 0 && elapsed >= o.duration && !emitted) {
        // Profile what the duration covered now; the command itself goes on, and we wait for it.
        rings.request_all(ring::Command::kStop);
        rings.poll();
        emit_profiles(o, rings, child, is_static, sink);
        emitted = true;
        if (!o.quiet)
          std::fprintf(stderr, "lambdascope: sampling stopped after %g s; waiting for the command to exit\n",
                       o.duration);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Children still running (daemons) keep their samples so far; ask them to stop writing.
  rings.poll();
  rings.request_all(ring::Command::kStop);
  rings.poll();
  call_hook(o, rings, true);

  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
  // As a shell does: an exit code of 128+N alone does not say whether the command or lambdascope died. A
  // crash (SIGSEGV, SIGBUS, SIGABRT) under the agent is the first thing to know, quiet or not.
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGINT && WTERMSIG(status) != SIGPIPE)
    std::fprintf(stderr, "lambdascope: the command (pid %d) was killed by signal %d (%s)%s\n",
                 static_cast<int>(child), WTERMSIG(status), strsignal(WTERMSIG(status)),
                 WCOREDUMP(status) ? ", core dumped" : "");
  if (!o.exit_profile)
    remove_perf_maps(o, rings);
  else if (!emitted)
    emit_profiles(o, rings, child, is_static, sink);
  marker.reset();
  if (!o.keep_rings) {
    std::error_code ec;
    fs::remove_all(settings.ring_dir, ec);
  } else if (!o.quiet) {
    std::fprintf(stderr, "lambdascope: rings kept in %s\n", settings.ring_dir.c_str());
  }
  return exit_code;
}

}  // namespace lambdascope::capture
