// One file from the inbox (a profile the function's runtime wrote itself: Go's runtime/pprof, Node's
// inspector, ...) made into a stored object of its invocation: checked with the formats readers (pprof,
// gzip'd or not, or a V8 .cpuprofile; anything else is refused with the reason), classified by what its
// samples measure, labelled on every sample like the extension's own profiles plus profile_type, and
// re-encoded as gzip'd pprof under the invocation's key with `_<type>` (store/object_key.hpp). Pure: no
// file system, no threads (inbox_watcher.hpp does those).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "lambda/extension/profile_writer.hpp"
#include "lambda/extension/window.hpp"
#include "profile/profile.hpp"

namespace lambdascope::lambda::extension {

// What a profile measures, from its sample types: cpu/wall -> "cpu" (also every .cpuprofile),
// alloc_*/inuse_* -> "heap", goroutine, threadcreate, contentions/delay -> "mutex" or "block" (Go writes
// both with the same types: the file name decides when it says which, else a profile whose innermost
// frames are Unlock calls is "mutex"), anything else "other".
std::string inbox_profile_type(const profile::Profile& p, std::string_view file_name);

// Whether a name in the inbox is a finished file to take: not hidden (".name") and not a temporary name
// ("*.tmp", "*.part", "*~"): the contract is "write under a temporary name, then rename into place".
bool inbox_name_is_final(std::string_view file_name);

struct InboxObjectIds {
  std::string function, sandbox, key_prefix;
};

// Which object of its type in its invocation this one is (1, 2, ...): from the second on the key's type is
// "heap.2", so several objects of one type never share a key. Called once the type is known.
using InboxNumbering = std::function<int(const std::string& type)>;

// Throws std::runtime_error (formats::ParseError included) saying why `bytes` is not a profile.
StoredProfile make_inbox_profile(const std::string& file_name, std::string bytes, const Window& window,
                                 const InboxObjectIds& ids, const InboxNumbering& numbering = {});

}  // namespace lambdascope::lambda::extension
