#include "formats/pprof_wire.hpp"

#include <google/protobuf/wire_format.h>

namespace lambdascope::formats::pprof {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormat;
using google::protobuf::io::CodedInputStream;

std::string_view wire_type_name(WireType w) {
  switch (w) {
    case WireType::kVarint:
      return "varint";
    case WireType::kFixed64:
      return "64-bit";
    case WireType::kLen:
      return "length-delimited";
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      return "group";
    case WireType::kFixed32:
      return "32-bit";
  }
  return "?";
}

// Why a varint starting at `pos` cannot be read: the data ends inside it, or it runs over 10 bytes.
std::string varint_problem(std::string_view data, uint64_t pos, std::string_view what) {
  uint64_t n = 0;
  while (pos + n < data.size() && n < 10 && (static_cast<unsigned char>(data[pos + n]) & 0x80)) ++n;
  if (n < 10) return "the input ends inside the " + std::string(what) + " (a truncated varint)";
  return "the " + std::string(what) + " is a varint longer than 10 bytes";
}

std::optional<WireProblem> check_packed(const FieldDescriptor* d, std::string_view payload, uint64_t base) {
  auto expected = static_cast<WireType>(WireFormat::WireTypeForFieldType(d->type()));
  if (expected == WireType::kFixed32 || expected == WireType::kFixed64) {
    size_t width = expected == WireType::kFixed32 ? 4 : 8;
    if (payload.size() % width != 0)
      return WireProblem{base, "packed field " + std::to_string(d->number()) + " (" + d->name() + ") has " +
                                   std::to_string(payload.size()) + " bytes, not a multiple of " +
                                   std::to_string(width)};
    return std::nullopt;
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(payload.data()), static_cast<int>(payload.size()));
  while (static_cast<uint64_t>(in.CurrentPosition()) < payload.size()) {
    uint64_t at = in.CurrentPosition();
    uint64_t v;
    if (!in.ReadVarint64(&v))
      return WireProblem{base + at, varint_problem(payload, at,
                                                   "value of packed field " + std::to_string(d->number()) +
                                                       " (" + d->name() + ")")};
  }
  return std::nullopt;
}

}  // namespace

std::string WireScanner::field_name(const Descriptor* type, uint32_t number) {
  const FieldDescriptor* d = type ? type->FindFieldByNumber(static_cast<int>(number)) : nullptr;
  std::string s = "field " + std::to_string(number);
  if (d) s += " (" + d->name() + ")";
  return s;
}

std::optional<WireProblem> WireScanner::next_field(const Descriptor* type, std::string_view data,
                                                   CodedInputStream& in, bool recurse, WireField& f) {
  f = WireField{};
  f.tag_offset = static_cast<uint64_t>(in.CurrentPosition());
  uint64_t tag;
  if (!in.ReadVarint64(&tag))
    return WireProblem{f.tag_offset, varint_problem(data, f.tag_offset, "field tag")};
  uint64_t number = tag >> 3;
  auto wire = static_cast<unsigned>(tag & 7);
  if (number == 0 || number > FieldDescriptor::kMaxNumber)
    return WireProblem{f.tag_offset, "invalid field number " + std::to_string(number) + " in a field tag"};
  if (wire > 5) return WireProblem{f.tag_offset, "invalid wire type " + std::to_string(wire)};
  f.number = static_cast<uint32_t>(number);
  f.wire = static_cast<WireType>(wire);
  f.descriptor = type->FindFieldByNumber(static_cast<int>(number));
  if (f.wire == WireType::kStartGroup || f.wire == WireType::kEndGroup)
    return WireProblem{f.tag_offset, field_name(type, f.number) + " is a group (wire type " +
                                         std::to_string(wire) + "), which profile.proto never uses"};
  if (const FieldDescriptor* d = f.descriptor) {
    auto expected = static_cast<WireType>(WireFormat::WireTypeForFieldType(d->type()));
    bool packed = f.wire == WireType::kLen && d->is_packable();
    if (f.wire != expected && !packed)
      return WireProblem{f.tag_offset, field_name(type, f.number) + " of " + type->name() +
                                           " has wire type " + std::string(wire_type_name(f.wire)) +
                                           ", but profile.proto declares " +
                                           std::string(wire_type_name(expected))};
  }
  uint64_t at = static_cast<uint64_t>(in.CurrentPosition());
  switch (f.wire) {
    case WireType::kVarint:
      if (!in.ReadVarint64(&f.varint))
        return WireProblem{at, varint_problem(data, at, "value of " + field_name(type, f.number))};
      return std::nullopt;
    case WireType::kFixed64:
      if (!in.ReadLittleEndian64(&f.varint))
        return WireProblem{at, "the input ends inside the 64-bit value of " + field_name(type, f.number)};
      return std::nullopt;
    case WireType::kFixed32: {
      uint32_t v;
      if (!in.ReadLittleEndian32(&v))
        return WireProblem{at, "the input ends inside the 32-bit value of " + field_name(type, f.number)};
      f.varint = v;
      return std::nullopt;
    }
    case WireType::kLen:
      break;
    default:
      return WireProblem{f.tag_offset, "invalid wire type " + std::to_string(wire)};
  }
  uint64_t len;
  if (!in.ReadVarint64(&len))
    return WireProblem{at, varint_problem(data, at, "length of " + field_name(type, f.number))};
  f.offset = static_cast<uint64_t>(in.CurrentPosition());
  uint64_t remaining = data.size() - f.offset;
  if (len > remaining)
    return WireProblem{at, field_name(type, f.number) + " of " + type->name() + " declares " +
                               std::to_string(len) + " bytes, but only " + std::to_string(remaining) +
                               " remain (truncated or corrupt input)"};
  f.size = len;
  if (recurse && f.descriptor) {
    std::string_view payload = data.substr(f.offset, f.size);
    std::optional<WireProblem> inner;
    if (f.descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      inner = check(f.descriptor->message_type(), payload);
    } else if (f.descriptor->is_packable()) {
      inner = check_packed(f.descriptor, payload, 0);
    }
    if (inner) {
      inner->offset += f.offset;
      inner->message = "in " + field_name(type, f.number) + ": " + inner->message;
      return inner;
    }
  }
  in.Skip(static_cast<int>(len));
  return std::nullopt;
}

}  // namespace lambdascope::formats::pprof
