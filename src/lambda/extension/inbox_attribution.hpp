// Which invocation a file found in the inbox belongs to (the rules docs/inbox.md gives runtimes):
//   1. a name that starts with a request id the extension has seen ("<request-id>.cpu.pprof",
//      "<request-id>_heap.pb.gz") belongs to that invocation;
//   2. a name that starts with a request id not seen yet waits for its INVOKE (the runtime may get the
//      event before the extension does), until the final look at SHUTDOWN;
//   3. any other name belongs to the invocation the look was made for: the extension looks when the
//      platform says the runtime is done with an invocation (runtimeDone), just after the next INVOKE
//      (for the invocation before it) and at SHUTDOWN, and every second in between (for the latest
//      INVOKE); before the first INVOKE, to the init phase.
// Thread-compatible (the watcher holds its lock); no I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "lambda/extension/window.hpp"

namespace lambdascope::lambda::extension {

class InboxAttribution {
 public:
  // `start_ns`: where the init phase begins (the extension's start).
  explicit InboxAttribution(int64_t start_ns);

  void on_invoke(const std::string& request_id, int64_t receipt_ns);
  // Whether an INVOKE came after `request_id`'s (then the look just after it was that invocation's).
  bool superseded(std::string_view request_id) const;

  // Whom a look is made for (rule 3).
  enum class Look {
    kLatest,        // the latest INVOKE (init before the first)
    kBeforeLatest,  // just after an INVOKE: the invocation before it (init for the first)
    kRequest,       // runtimeDone: that request id (the latest when it was never seen)
  };

  // The invocation `file_name` belongs to; nullopt: leave the file for a later look (rule 2). `final`:
  // SHUTDOWN, nothing waits.
  std::optional<Window> attribute(std::string_view file_name, Look look, const std::string& request_id = {},
                                  bool final = false) const;

 private:
  const Window* find(std::string_view request_id) const;

  std::deque<Window> windows_;  // the init window, then the latest invocations (at most kKeep)
};

// A Lambda request id: a UUID (8-4-4-4-12 hex digits).
bool looks_like_request_id(std::string_view text);

}  // namespace lambdascope::lambda::extension
