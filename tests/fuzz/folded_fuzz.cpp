// libFuzzer target: arbitrary bytes through the folded reader and back out through the folded writer.
#include <cstdint>
#include <string>

#include "formats/input_source.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lambdascope::formats;
  auto in = InputSource::from_memory("fuzz", std::string(reinterpret_cast<const char*>(data), size));
  ReadOptions options;
  options.format = Format::kFolded;
  options.aggregate = size % 2 == 0;
  try {
    lambdascope::profile::Profile p = read_profile(*in, options);
    std::string out = p.num_values() == 2 ? write_folded_diff(p) : write_folded(p);
    (void)out;
  } catch (const ParseError&) {
  }
  return 0;
}
