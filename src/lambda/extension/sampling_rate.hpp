// The Lambda default sampling rate: chosen from the function's memory, i.e. its CPU share (1,769 MB is one
// vCPU), so that the agent and the extension use at most 1% of the CPU the function is given, within 99 to
// 997 Hz. lambdascope-wrapper (src/lambda/layer) computes the same in sh, where it sets LAMBDASCOPE_HZ for
// the runtime; tests/lambda/sampling_rate_test.cpp holds the two together.
#pragma once

#include <cstdint>

namespace lambdascope::lambda::extension {

// CPU per running sample, agent and extension together: the signal's delivery and the handler (3.6 us at
// depth 64 with every sample recorded), the extension's decoding, symbolizing and pprof (0.4 to 0.7 us); 4.5
// us covers the worst sum measured (4.3). Waits cost less (one record per sampler cycle). `make bench`
// measures both parts again (bench/agent_peers.sh and bench/extension_peers.sh; docs/lambda-extension.md,
// "Sampling rate").
inline constexpr uint64_t kSampleCostNs = 4500;
inline constexpr uint32_t kMinLambdaHz = 99;
inline constexpr uint32_t kMaxLambdaHz = 997;

// memory_mb * 1e7 / (1769 * kSampleCostNs), clamped to [kMinLambdaHz, kMaxLambdaHz].
uint32_t lambda_sampling_hz(uint64_t memory_mb);

}  // namespace lambdascope::lambda::extension
