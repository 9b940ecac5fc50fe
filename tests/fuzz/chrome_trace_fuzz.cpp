// libFuzzer target: the Chrome trace reader, then a speedscope round trip of what it read.
#include "fuzz/speedscope_round_trip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lambdascope::fuzz::read_then_round_trip_speedscope(lambdascope::formats::read_chrome_trace, data,
                                                            size);
}
