// Walking protobuf wire format with byte offsets (libprotobuf's CodedInputStream), checked against
// profile.proto's descriptors: the pprof reader scans the top level of a profile with it, and uses it to say
// exactly where (and why) a message that libprotobuf refused is broken. It never allocates per field and
// never reads past the data it is given.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lambdascope::formats::pprof {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5
};

// One field as found on the wire. Offsets are relative to the start of the scanned data.
struct WireField {
  uint32_t number = 0;
  WireType wire = WireType::kVarint;
  uint64_t varint = 0;      // kVarint: the value; kFixed32/kFixed64: the raw bits
  uint64_t tag_offset = 0;  // where the field's tag starts
  uint64_t offset = 0;      // kLen: where the payload starts
  uint64_t size = 0;        // kLen: payload size
  const google::protobuf::FieldDescriptor* descriptor = nullptr;  // null for field numbers the type lacks
};

struct WireProblem {
  uint64_t offset = 0;  // relative to the start of the scanned data
  std::string message;
};

// Calls `visit(const WireField&)` for every field of one message of `type` in `data`, in order. Stops at the
// first malformed field and returns what is wrong with it: a truncated or over-long varint, a length running
// past the end, a wire type that differs from what `type` declares for that field number (packed encoding is
// accepted for repeated scalars), or a group. Fields `type` does not declare are skipped (newer writers may
// add fields). With `recurse`, embedded messages and packed scalars are checked too.
class WireScanner {
 public:
  template <class Visit>
  static std::optional<WireProblem> scan(const google::protobuf::Descriptor* type, std::string_view data,
                                         bool recurse, Visit&& visit) {
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                                              static_cast<int>(data.size()));
    WireField f;
    while (static_cast<uint64_t>(in.CurrentPosition()) < data.size()) {
      if (auto problem = next_field(type, data, in, recurse, f)) return problem;
      visit(f);
    }
    return std::nullopt;
  }

  // Checks one message (and everything inside it).
  static std::optional<WireProblem> check(const google::protobuf::Descriptor* type, std::string_view data) {
    return scan(type, data, true, [](const WireField&) {});
  }

  // "field 2 (sample)", or "field 99" for numbers `type` lacks.
  static std::string field_name(const google::protobuf::Descriptor* type, uint32_t number);

  // Protobuf's own limit for one message; larger inputs are refused up front.
  static constexpr uint64_t kMaxSize = 0x7fffffff;

 private:
  static std::optional<WireProblem> next_field(const google::protobuf::Descriptor* type,
                                               std::string_view data,
                                               google::protobuf::io::CodedInputStream& in, bool recurse,
                                               WireField& f);
};

}  // namespace lambdascope::formats::pprof
