#include "lambda/extension/sampling_rate.hpp"

#include <algorithm>

namespace lambdascope::lambda::extension {

uint32_t lambda_sampling_hz(uint64_t memory_mb) {
  memory_mb = std::min<uint64_t>(memory_mb, 10240);  // Lambda's largest
  uint64_t hz = memory_mb * 10000000 / (1769 * kSampleCostNs);
  return static_cast<uint32_t>(std::clamp<uint64_t>(hz, kMinLambdaHz, kMaxLambdaHz));
}

}  // namespace lambdascope::lambda::extension
