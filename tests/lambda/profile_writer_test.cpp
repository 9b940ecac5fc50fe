#include "lambda/extension/profile_writer.hpp"

#include <gtest/gtest.h>

#include "profile/profile.hpp"

namespace lambdascope::lambda::extension {
namespace {

std::vector<std::string> type_names(const profile::Profile& p) {
  std::vector<std::string> out;
  for (const auto& t : p.meta.sample_types) out.push_back(t.type);
  return out;
}

Window invocation() {
  Window w;
  w.request_id = "r1";
  w.start_ns = 1700000000000000000;
  w.end_ns = w.start_ns + 100000000;
  return w;
}

// A window in which the sampler recorded nothing still says which kind of profile it is: the configured mode
// before any ring was seen, then the mode of the last ring (merging it with its neighbours needs the same
// sample types).
TEST(ProfileWriter, EmptyWindowsHaveTheSampleTypesOfTheirMode) {
  ProfileWriter writer("fn", "sandbox");
  writer.set_default_mode(agent::ring::Mode::kWall);
  profile::Profile wall;
  writer.build(wall, invocation(), {}, {});
  EXPECT_EQ(type_names(wall), (std::vector<std::string>{"samples", "wall", "cpu"}));

  ProfileWriter cpu_writer("fn", "sandbox");
  cpu_writer.set_default_mode(agent::ring::Mode::kCpu);
  profile::Profile cpu;
  cpu_writer.build(cpu, invocation(), {}, {});
  EXPECT_EQ(type_names(cpu), (std::vector<std::string>{"samples", "cpu"}));
}

}  // namespace
}  // namespace lambdascope::lambda::extension
