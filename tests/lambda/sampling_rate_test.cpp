// The Lambda default rate: lambdascope-wrapper (sh, in the runtime's environment) and the C++ rule agree,
// wall mode is the default, and LAMBDASCOPE_HZ / LAMBDASCOPE_MODE still win.
#include "lambda/extension/sampling_rate.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace lambdascope::lambda::extension {
namespace {

namespace fs = std::filesystem;

class WrapperRate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir();
    fs::create_directories(dir_ + "/lib");
    std::ofstream(dir_ + "/lib/liblambdascope-agent.so").put('\n');  // only checked for readability here
    fs::copy_file(std::string(std::getenv("LS_SOURCE_DIR")) + "/src/lambda/layer/lambdascope-wrapper",
                  dir_ + "/lambdascope-wrapper");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // "MODE HZ" as the runtime started by the wrapper sees them.
  std::string run(const std::string& env) {
    auto r = testing::run_command("env -i PATH=/usr/bin:/bin LAMBDASCOPE_RING_DIR=" + dir_ + "/rings " + env +
                                  " sh " + dir_ +
                                  "/lambdascope-wrapper sh -c 'echo \"$LAMBDASCOPE_MODE $LAMBDASCOPE_HZ\"'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string dir_;
};

TEST_F(WrapperRate, AgreesWithTheRuleAndDefaultsToWall) {
  for (uint64_t mb : {128u, 256u, 512u, 1024u, 1769u, 3008u, 10240u}) {
    EXPECT_EQ(run("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(mb)),
              "wall " + std::to_string(lambda_sampling_hz(mb)) + "\n")
        << mb << " MB";
  }
  EXPECT_EQ(run(""), "wall " + std::to_string(lambda_sampling_hz(128)) + "\n");  // no memory size: the least
  EXPECT_EQ(run("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=lots"),
            "wall " + std::to_string(lambda_sampling_hz(128)) + "\n");
}

TEST_F(WrapperRate, SettingsWin) {
  EXPECT_EQ(run("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769 LAMBDASCOPE_HZ=49"), "wall 49\n");
  EXPECT_EQ(run("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1769 LAMBDASCOPE_MODE=cpu"),
            "cpu " + std::to_string(lambda_sampling_hz(1769)) + "\n");
}

TEST(SamplingRate, StaysWithinOnePercentOfTheShareBetweenTheBounds) {
  EXPECT_EQ(lambda_sampling_hz(0), kMinLambdaHz);
  EXPECT_EQ(lambda_sampling_hz(1u << 30), kMaxLambdaHz);
  for (uint64_t mb = 128; mb <= 10240; mb += 64) {
    uint32_t hz = lambda_sampling_hz(mb);
    EXPECT_GE(hz, kMinLambdaHz);
    EXPECT_LE(hz, kMaxLambdaHz);
    double share_ns_per_s = static_cast<double>(mb) / 1769.0 * 1e9;
    if (hz > kMinLambdaHz) {
      EXPECT_LE(hz * static_cast<double>(kSampleCostNs), 0.01 * share_ns_per_s) << mb;
    }
  }
}

}  // namespace
}  // namespace lambdascope::lambda::extension
