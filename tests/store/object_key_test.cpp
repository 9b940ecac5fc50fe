#include "store/object_key.hpp"

#include <gtest/gtest.h>

#include "store/destination.hpp"

namespace lambdascope::store {
namespace {

TEST(ObjectKey, LayoutIsPrefixFunctionUtcHourThenFields) {
  ProfileKey k{"my_fn", 1763712000123, 217, "invoke", "8f3e2a10-7d4b-4c1e-9a6b-0f1e2d3c4b5a"};
  // 1763712000123 ms = 2025-11-21T08:00:00.123Z
  EXPECT_EQ(object_key("prof/", k),
            "prof/my_fn/2025/11/21/08/1763712000123_217_invoke_8f3e2a10-7d4b-4c1e-9a6b-0f1e2d3c4b5a.pb.gz");
  EXPECT_EQ(object_key("", k).substr(0, 20), "my_fn/2025/11/21/08/");
  EXPECT_EQ(hour_folder("a/b", "f", 0), "a/b/f/1970/01/01/00/");
}

TEST(ObjectKey, ParseIsTheInverseAndRejectsStrangers) {
  ProfileKey k{"fn", 1763715599999, 0, "init", "sandbox-1"};
  std::string key = object_key("p", k);
  auto back = parse_object_key(key, "p");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->function, "fn");
  EXPECT_EQ(back->start_ms, k.start_ms);
  EXPECT_EQ(back->duration_ms, 0);
  EXPECT_EQ(back->phase, "init");
  EXPECT_EQ(back->request_id, "sandbox-1");
  EXPECT_FALSE(parse_object_key(key, "q"));
  EXPECT_FALSE(parse_object_key("p/fn/2025/11/21/08/README.txt", "p"));
  EXPECT_FALSE(parse_object_key("p/fn/2025/11/21/09/1763712000123_1_invoke_r.pb.gz", "p"));  // wrong hour
  EXPECT_FALSE(parse_object_key("p/fn/2025/11/21/08/x_1_invoke_r.pb.gz", "p"));
  EXPECT_TRUE(parse_object_key("p/fn/2025/11/21/08/1763712000123_1_invoke_r.pb.gz", "p"));
}

TEST(ObjectKey, UnsafeCharactersNeverMakeNewFoldersOrFields) {
  ProfileKey k{"../x", 0, 5, "in/voke", "a_b/../c"};
  std::string key = object_key("", k);
  EXPECT_EQ(key, "..-x/1970/01/01/00/0_5_in-voke_a-b-..-c.pb.gz");
  auto back = parse_object_key(key, "");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->request_id, "a-b-..-c");
}

TEST(ObjectKey, AProfileTypeFollowsTheRequestIdSoAnInvocationHoldsSeveral) {
  ProfileKey k{"fn", 1763712000123, 12, "invoke", "8f3e2a10-7d4b", "heap"};
  std::string key = object_key("", k);
  EXPECT_EQ(key, "fn/2025/11/21/08/1763712000123_12_invoke_8f3e2a10-7d4b_heap.pb.gz");
  auto back = parse_object_key(key, "");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->request_id, "8f3e2a10-7d4b");
  EXPECT_EQ(back->profile_type, "heap");
  k.profile_type = "a_b";  // sanitized like the other fields
  EXPECT_EQ(parse_object_key(object_key("", k), "")->profile_type, "a-b");
  // Without a type (the extension's own profiles) nothing changes.
  EXPECT_EQ(parse_object_key("fn/2025/11/21/08/1763712000123_1_invoke_r.pb.gz", "")->profile_type, "");
  EXPECT_FALSE(parse_object_key("fn/2025/11/21/08/1763712000123_1_invoke_r_.pb.gz", ""));
  EXPECT_FALSE(parse_object_key("fn/2025/11/21/08/1763712000123_1_invoke_r_a_b.pb.gz", ""));
}

TEST(Destination, ParsesFileS3AndPlainPaths) {
  auto d = parse_destination("s3://bucket/pre/fix/");
  EXPECT_EQ(d.scheme, "s3");
  EXPECT_EQ(d.bucket, "bucket");
  EXPECT_EQ(d.path, "pre/fix");
  EXPECT_EQ(parse_destination("s3://b").path, "");
  EXPECT_EQ(parse_destination("file:///tmp/x").path, "/tmp/x");
  EXPECT_EQ(parse_destination("./data").scheme, "file");
  EXPECT_THROW(parse_destination("file://relative"), std::invalid_argument);
  EXPECT_THROW(parse_destination("s3://"), std::invalid_argument);
  EXPECT_THROW(parse_destination("gs://b/p"), std::invalid_argument);
  EXPECT_THROW(parse_destination(""), std::invalid_argument);
}

}  // namespace
}  // namespace lambdascope::store
