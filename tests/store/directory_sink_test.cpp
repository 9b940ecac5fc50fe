#include "store/directory_sink.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace lambdascope::store {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("ls-store-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

TEST(DirectorySink, WritesWholeObjectsAndLeavesNoTemporaries) {
  fs::path root = fresh_dir("whole");
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
  fs::remove_all(root);
}

TEST(DirectorySink, RefusesKeysThatLeaveTheRoot) {
  fs::path root = fresh_dir("escape");
  DirectorySink sink(root.string());
  EXPECT_THROW(sink.put("../outside.pb.gz", "x", {}), StoreError);
  EXPECT_THROW(sink.put("/etc/x.pb.gz", "x", {}), StoreError);
  EXPECT_THROW(sink.put("a/../../x.pb.gz", "x", {}), StoreError);
  EXPECT_FALSE(fs::exists(root.parent_path() / "outside.pb.gz"));
  fs::remove_all(root);
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
