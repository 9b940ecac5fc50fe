// libFuzzer target: content sniffing then whichever reader the sniffer picks, as the CLI does.
#include <cstdint>
#include <string>

#include "formats/input_source.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lambdascope::formats;
  auto in = InputSource::from_memory("fuzz", std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)read_profile(*in, {});
  } catch (const ParseError&) {
  }
  return 0;
}
