#include "server/profile_cache.hpp"

#include <gtest/gtest.h>

namespace lambdascope::server {
namespace {

std::shared_ptr<const profile::Profile> profile_with(size_t samples) {
  auto p = std::make_shared<profile::Profile>();
  p->meta.sample_types = {{"samples", "count"}};
  profile::StackId s = p->intern_stack(std::vector<profile::FrameId>{p->intern_frame("f")});
  double one = 1;
  for (size_t i = 0; i < samples; ++i) p->add_sample({.stack = s, .values = {&one, 1}});
  return p;
}

TEST(ProfileCache, EvictsTheLeastRecentlyUsedWithinTheBudget) {
  auto p = profile_with(1000);
  size_t each = approximate_bytes(*p);
  ProfileCache cache(each * 2 + each / 2);  // room for two
  cache.insert("a", p);
  cache.insert("b", p);
  EXPECT_NE(cache.find("a"), nullptr);  // a is now the most recent
  cache.insert("c", p);                 // evicts b
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("a"), nullptr);
  EXPECT_NE(cache.find("c"), nullptr);
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_LE(cache.bytes(), each * 2 + each / 2);
  EXPECT_EQ(cache.hits(), 3);
  EXPECT_EQ(cache.misses(), 1);
}

TEST(ProfileCache, AProfileLargerThanTheBudgetIsNotKept) {
  auto big = profile_with(100000);
  ProfileCache cache(approximate_bytes(*big) / 2);
  cache.insert("big", big);
  EXPECT_EQ(cache.find("big"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_GT(approximate_bytes(*big), approximate_bytes(*profile_with(10)));
}

}  // namespace
}  // namespace lambdascope::server
