#include "store/directory_sink.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_support.hpp"

namespace lambdascope::store {
namespace {
namespace fs = std::filesystem;
// Each test works in a folder that does not exist yet (the code under test creates it) inside a TempDir,
// which is removed when the test ends, also when an ASSERT ends it early.

TEST(DirectorySink, WritesWholeObjectsAndLeavesNoTemporaries) {
  testing::TempDir temp;
  const fs::path root = fs::path(temp.path) / "whole";
  DirectorySink sink(root.string());
  sink.put("f/2025/11/21/08/1_2_invoke_r.pb.gz", "payload", {});
  std::ifstream in(root / "f/2025/11/21/08/1_2_invoke_r.pb.gz", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "payload");
  int files = 0;
  for (auto& e : fs::recursive_directory_iterator(root)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  EXPECT_EQ(sink.describe(), "file://" + root.string());
}

TEST(DirectorySink, RefusesKeysThatLeaveTheRoot) {
  testing::TempDir temp;
  const fs::path root = fs::path(temp.path) / "escape";
  DirectorySink sink(root.string());
  EXPECT_THROW(sink.put("../outside.pb.gz", "x", {}), StoreError);
  EXPECT_THROW(sink.put("/etc/x.pb.gz", "x", {}), StoreError);
  EXPECT_THROW(sink.put("a/../../x.pb.gz", "x", {}), StoreError);
  EXPECT_FALSE(fs::exists(root.parent_path() / "outside.pb.gz"));
}

TEST(DirectorySink, AnUnwritableRootIsAClearError) {
  try {
    DirectorySink sink("/proc/lambdascope-cannot-exist");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("/proc/lambdascope-cannot-exist"), std::string::npos);
  }
}

}  // namespace
}  // namespace lambdascope::store
