// `record`'s engine, the local front end of the agent: runs a command with the agent preloaded, follows the
// rings of the command and of every process it forks or execs, and builds one profile per process (or one
// merged profile) from them. Writing those profiles is the caller's: this module knows no output format.
// Prints a summary per process on stderr unless quiet; never touches the terminal otherwise.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "capture/ring_reader.hpp"
#include "profile/profile.hpp"

namespace lambdascope::capture {

// Sees every ring's data (in ring-path order) after each poll of the follow loop, `last` on the call after
// the final poll. It may clear samples it has consumed from the data, but only when there is no exit profile.
using PollHook = std::function<void(const std::vector<RingData*>& rings, bool last)>;

struct RecordOptions {
  std::string mode = "cpu";  // cpu or wall
  int hz = 99;
  double duration = 0;  // seconds of sampling (the command keeps running); 0 = until it exits
  int depth = 128;
  std::string ring_size;
  std::string signal;
  bool merge = false;
  bool no_follow = false;
  bool node = false;
  bool python = false;
  bool python_interpreter_frames = false;  // keep CPython's own C frames inside Python code
  bool java = false;
  bool lines = false;
  bool keep_rings = false;
  bool quiet = false;
  std::vector<std::string> debug_dirs;
  std::vector<std::string> command;  // what to run, argv[0] first
  PollHook on_poll;                  // optional: a live consumer of the samples (record --listen)
  bool exit_profile = true;  // false: no profile at all (the sink is never called, `duration` is ignored)
};

// Receives each profile to write: `pid` is the process's (0 for a merged profile) and `root` says whether
// it is the command's own process (or the merged profile).
using ProfileSink = std::function<void(const profile::Profile& p, int pid, bool root)>;

// Runs the command to its end and hands the profiles to `sink` (once, at the end or when `duration` is
// reached). Returns the command's exit code (128 + signal when killed, 127 when it is not found). Throws
// std::runtime_error when the agent cannot be found or the command cannot be started.
int record(const RecordOptions& options, const ProfileSink& sink);

}  // namespace lambdascope::capture
