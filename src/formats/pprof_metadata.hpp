// How the metadata pprof has no field for travels in a pprof file: as comments (`go tool pprof -comments`
// shows them), one per fact, "key: value".
//
//   cmdline: node index.js          well-known attribute keys (profile/metadata.hpp attr::) are written bare
//   lambdascope.region: us-east-1   any other attribute key gets the "lambdascope." prefix
//   start_ns: 1234 / end_ns: 5678   Metadata::start_ns / end_ns, when known
//
// Reading recognizes exactly these forms, so a comment someone else wrote ("built from abc123") stays a
// comment, while "event: cycles" written by anyone becomes the event attribute. drop_frames, keep_frames and
// doc_url have real pprof fields; they are attributes in the model and never comments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "profile/metadata.hpp"

namespace lambdascope::formats::pprof {

// Attribute keys for pprof's own string fields.
inline constexpr std::string_view kDropFrames = "drop_frames";
inline constexpr std::string_view kKeepFrames = "keep_frames";
inline constexpr std::string_view kDocUrl = "doc_url";

// The comments that carry `meta`'s attributes and start/end (not its own comments, not source_format, not the
// attributes that have pprof fields).
std::vector<std::string> metadata_comments(const profile::Metadata& meta);

// When `comment` is one of the forms above, stores it in `meta` and returns true.
bool read_metadata_comment(std::string_view comment, profile::Metadata& meta);

}  // namespace lambdascope::formats::pprof
