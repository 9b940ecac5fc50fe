// libFuzzer target for the gperftools legacy CPU reader; a ParseError is the expected answer to bad bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/parse_error.hpp"
#include "pprof_round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lambdascope;
  auto in =
      formats::InputSource::from_memory("fuzz.prof", std::string(reinterpret_cast<const char*>(data), size));
  formats::ReadOptions o;
  o.format = formats::Format::kGperftoolsCpu;
  profile::Profile p;
  try {
    p = formats::read_profile(*in, o);
  } catch (const formats::ParseError&) {
    return 0;
  }
  fuzz::check_round_trip(p);
  return 0;
}
