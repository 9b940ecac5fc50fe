// The inbox watcher with a real folder, spool and directory store: files are taken at the moments the
// lifecycle gives, stored under their invocation's key with their type, bad and temporary ones removed and
// counted, and the folder is left empty.
#include "lambda/extension/inbox_watcher.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "formats/writers.hpp"
#include "store/directory_sink.hpp"
#include "store/object_key.hpp"
#include "support/test_support.hpp"

namespace lambdascope::lambda::extension {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kR1 = "11111111-2222-3333-4444-555555555555";
constexpr const char* kR2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

std::string pprof_of(std::vector<profile::ValueType> types) {
  profile::Profile p;
  p.meta.sample_types = std::move(types);
  std::vector<double> values(p.num_values(), 1);
  std::vector<profile::FrameId> frames = {p.intern_frame("main.main"), p.intern_frame("main.work")};
  p.add_sample({.stack = p.intern_stack(frames), .values = values});
  return formats::write_pprof(p);
}

void put(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(InboxWatcher, FilesGoToTheirInvocationsAndTheFolderIsLeftEmpty) {
  testing::TempDir temp;
  const fs::path root = temp.path;
  fs::path inbox = root / "inbox";
  fs::create_directories(inbox);
  store::DirectorySink sink((root / "store").string());
  store::SpoolOptions so;
  so.dir = (root / "spool").string();
  so.log = [](const std::string&) {};
  store::Spool spool(so, sink);
  spool.start();
  const std::string cpu = pprof_of({{"samples", "count"}, {"cpu", "nanoseconds"}});
  const std::string heap = pprof_of({{"alloc_space", "bytes"}, {"inuse_space", "bytes"}});
  {
    InboxWatcher w(inbox.string(), {"fn", "sandbox1", ""}, &spool, 1'000'000'000);
    w.start();
    put(inbox / "early.pprof", cpu);  // before the first INVOKE: init's
    w.on_invoke(kR1, 2'000'000'000);
    put(inbox / "heap.pprof", heap);  // unnamed, found at R1's runtimeDone
    w.on_runtime_done(kR1);
    // Named after an invocation the extension has not seen yet: waits for it.
    put(inbox / (std::string(kR2) + ".cpu.pprof"), cpu);
    put(inbox / "junk.pprof", "not a profile");
    put(inbox / ".tmp-half", "half");
    put(inbox / "same.pprof", cpu);
    w.on_runtime_done(kR1);
    ASSERT_TRUE(fs::exists(inbox / (std::string(kR2) + ".cpu.pprof")));
    w.on_invoke(kR2, 3'000'000'000);
    // The same name again at once: the first one was taken (renamed away) when it was seen, so this one
    // replaces nothing, whenever the watcher's thread reads them.
    put(inbox / "same.pprof", heap);
    w.on_runtime_done(kR2);
    ASSERT_TRUE(w.finish(std::chrono::steady_clock::now() + 60s));
    InboxStats s = w.stats();
    EXPECT_EQ(s.stored, 5u);
    EXPECT_EQ(s.bad, 1u);
    EXPECT_EQ(s.abandoned, 1u);
    EXPECT_EQ(s.failed, 0u);
  }
  EXPECT_EQ(spool.flush(std::chrono::steady_clock::now() + 60s), 0u);
  EXPECT_TRUE(fs::is_empty(inbox));

  std::set<std::string> got;
  for (const auto& e : fs::recursive_directory_iterator(root / "store")) {
    if (!e.is_regular_file()) continue;
    auto key = store::parse_object_key(fs::relative(e.path(), root / "store").string(), "");
    ASSERT_TRUE(key) << e.path();
    got.insert(key->phase + " " + key->request_id + " " + key->profile_type + " " +
               std::to_string(key->start_ms));
  }
  const std::string r1 = std::string("invoke ") + kR1, r2 = std::string("invoke ") + kR2;
  EXPECT_EQ(got, (std::set<std::string>{"init sandbox1 cpu 1000", r1 + " heap 2000", r1 + " cpu 2000",
                                        r2 + " cpu 3000", r2 + " heap 3000"}));
}

TEST(InboxWatcher, AMissingFolderIsNothingToDo) {
  testing::TempDir temp;
  const fs::path root = temp.path;
  InboxWatcher w((root / "never-made").string(), {"fn", "sb", ""}, nullptr, 0);
  w.start();
  w.on_invoke(kR1, 1);
  w.on_runtime_done(kR1);
  EXPECT_TRUE(w.finish(std::chrono::steady_clock::now() + 60s));
  InboxStats s = w.stats();
  EXPECT_EQ(s.stored + s.bad + s.failed + s.abandoned, 0u);
  EXPECT_FALSE(fs::exists(root / "never-made"));
  // Every thread of the sandbox is woken at each freeze and thaw: none for an inbox nobody uses.
  EXPECT_FALSE(testing::has_thread("ls-inbox"));
}

TEST(InboxWatcher, ItsThreadStartsWithTheFirstFileTaken) {
  testing::TempDir root;
  fs::path inbox = fs::path(root.path) / "inbox";
  fs::create_directories(inbox);
  store::DirectorySink sink((fs::path(root.path) / "store").string());
  store::SpoolOptions so;
  so.dir = (fs::path(root.path) / "spool").string();
  so.log = [](const std::string&) {};
  store::Spool spool(so, sink);
  spool.start();
  InboxWatcher w(inbox.string(), {"fn", "sb", ""}, &spool, 1'000'000'000);
  w.start();
  w.on_invoke(kR1, 2'000'000'000);
  w.on_runtime_done(kR1);
  EXPECT_FALSE(testing::has_thread("ls-inbox"));
  put(inbox / "cpu.pprof", pprof_of({{"samples", "count"}, {"cpu", "nanoseconds"}}));
  w.on_invoke(kR2, 3'000'000'000);  // takes R1's file
  ASSERT_TRUE(w.drain(std::chrono::steady_clock::now() + 60s));
  EXPECT_EQ(w.stats().stored, 1u);
  EXPECT_TRUE(testing::has_thread("ls-inbox"));  // named before it stored anything
}

}  // namespace
}  // namespace lambdascope::lambda::extension
