// Java frames from agent rings: a sample's AsyncGetCallTrace frames and the method records written beside it
// go through the reader and the profile builder as `com.example.Handler.handleRequest` with file and line,
// above the sample's native part; malformed records are rejected; AGCT's failures become comments.
#include "capture/java_frames.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "agent/ring_writer.hpp"
#include "capture/profile_builder.hpp"
#include "capture/ring_reader.hpp"
#include "support/test_support.hpp"

namespace lambdascope::capture {
namespace {

namespace ring = agent::ring;

// A JavaMethodRecord's bytes, as the agent's resolver writes them.
std::vector<uint8_t> method_record(uint64_t id, const std::string& cls, const std::string& name,
                                   const std::string& file,
                                   std::vector<std::pair<uint32_t, uint32_t>> lines) {
  uint32_t size = ring::align8(static_cast<uint32_t>(sizeof(ring::JavaMethodRecord) + 8 * lines.size() +
                                                     cls.size() + name.size() + file.size()));
  std::vector<uint8_t> out(size, 0);
  ring::JavaMethodRecord rec{};
  rec.h = {size, static_cast<uint16_t>(ring::RecordType::kJavaMethod), 0};
  rec.method_id = id;
  rec.class_size = static_cast<uint16_t>(cls.size());
  rec.name_size = static_cast<uint16_t>(name.size());
  rec.file_size = static_cast<uint16_t>(file.size());
  rec.line_count = static_cast<uint16_t>(lines.size());
  std::memcpy(out.data(), &rec, sizeof rec);
  uint8_t* p = out.data() + sizeof rec;
  for (auto [bci, line] : lines) {
    std::memcpy(p, &bci, 4);
    std::memcpy(p + 4, &line, 4);
    p += 8;
  }
  for (const std::string* s : {&cls, &name, &file}) {
    std::memcpy(p, s->data(), s->size());
    p += s->size();
  }
  return out;
}

TEST(JavaFrames, MethodRecordsDecodeAndBadOnesAreRejected) {
  auto bytes =
      method_record(0x7f00, "com.example.Handler", "handleRequest", "Handler.java", {{0, 10}, {7, 12}});
  RawJavaMethod m;
  ASSERT_TRUE(parse_java_method(bytes.data(), static_cast<uint32_t>(bytes.size()), &m));
  EXPECT_EQ(m.id, 0x7f00u);
  EXPECT_EQ(m.class_name, "com.example.Handler");
  EXPECT_EQ(m.name, "handleRequest");
  EXPECT_EQ(m.file, "Handler.java");
  EXPECT_EQ(java_line_of(m, 0), 10u);
  EXPECT_EQ(java_line_of(m, 6), 10u);
  EXPECT_EQ(java_line_of(m, 9), 12u);
  EXPECT_EQ(java_line_of(m, -3), 0u);  // a native method
  // Shorter than its own sizes say, or without a class name.
  EXPECT_FALSE(parse_java_method(bytes.data(), sizeof(ring::JavaMethodRecord) + 8, &m));
  auto nameless = method_record(1, "", "run", "", {});
  EXPECT_FALSE(parse_java_method(nameless.data(), static_cast<uint32_t>(nameless.size()), &m));
}

TEST(JavaFrames, SamplesThroughTheRingGetJavaNamesAboveTheirNativePart) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  const uint64_t data_size = 1 << 16;
  std::string path = dir + "/r.ring";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(ring::kHeaderSize + data_size)), 0);
  void* mem = mmap(nullptr, ring::kHeaderSize + data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  auto* h = static_cast<ring::Header*>(mem);
  std::memcpy(h->magic, ring::kMagic, 8);
  h->version = ring::kVersion;
  h->header_size = ring::kHeaderSize;
  h->data_size = h->allocated = data_size;
  h->pid = 4242;
  h->period_ns = 1000;
  h->java_counters[ring::kJavaSamples] = 1;
  h->java_counters[ring::kAgctGcActive] = 2;
  h->java_counters[ring::kAgctNotWalkableJava] = 1;
  agent::RingWriter w;
  w.attach(h);

  // One native PC outside every mapping, then burn (bci 9) called by handleRequest (bci 3).
  const uint64_t burn = 0x7000, handle = 0x7100;
  uint64_t words[] = {0x30000000, 9, burn, 3, handle};
  uint32_t size = sizeof(ring::SampleRecord) + sizeof words;
  uint8_t* p = w.reserve(size);
  ASSERT_NE(p, nullptr);
  auto* rec = reinterpret_cast<ring::SampleRecord*>(p);
  *rec = {};
  rec->tid = 7;
  rec->weight = 1;
  rec->depth = 1;
  rec->reserved = 2;
  std::memcpy(p + sizeof *rec, words, sizeof words);
  agent::RingWriter::publish(p, ring::RecordType::kSample, size, ring::kSampleJava | ring::kSampleComplete);
  for (auto bytes :
       {method_record(burn, "com.example.Handler", "burn", "Handler.java", {{0, 20}, {8, 21}}),
        method_record(handle, "com.example.Handler", "handleRequest", "Handler.java", {{0, 30}})}) {
    uint8_t* q = w.reserve(static_cast<uint32_t>(bytes.size()));
    ASSERT_NE(q, nullptr);
    std::memcpy(q + 8, bytes.data() + 8, bytes.size() - 8);
    agent::RingWriter::publish(q, ring::RecordType::kJavaMethod, static_cast<uint32_t>(bytes.size()), 0);
  }
  // A Java sample claiming more frames than its record holds.
  p = w.reserve(sizeof(ring::SampleRecord) + 16);
  ASSERT_NE(p, nullptr);
  rec = reinterpret_cast<ring::SampleRecord*>(p);
  *rec = {};
  rec->reserved = 5;
  agent::RingWriter::publish(p, ring::RecordType::kSample, sizeof(ring::SampleRecord) + 16,
                             ring::kSampleJava);

  std::string error;
  auto reader = RingReader::open(path, &error);
  ASSERT_NE(reader, nullptr) << error;
  RingData data;
  reader->poll(data);
  EXPECT_EQ(data.corrupt_records, 1u);
  ASSERT_EQ(data.samples.size(), 1u);
  ASSERT_EQ(data.java_methods.size(), 2u);

  profile::Profile prof;
  init_profile(prof, data.info);
  symbolize::Symbolizer sym(symbolize::SymbolizeOptions{});
  add_ring(prof, data, sym);
  ASSERT_EQ(prof.num_samples(), 1u);
  std::vector<std::string> names;
  std::vector<uint32_t> lines;
  for (profile::FrameId f : prof.stacks.frames_root_first(prof.samples.stack[0])) {
    names.emplace_back(prof.frame_name(f));
    lines.push_back(prof.frames[f].line);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"com.example.Handler.handleRequest", "com.example.Handler.burn",
                                             "[unknown]"}));
  EXPECT_EQ(lines, (std::vector<uint32_t>{30, 21, 0}));
  // No compiled-code records: the frames ran interpreted.
  EXPECT_EQ(prof.frames[prof.stacks.frame(prof.stacks.parent(prof.samples.stack[0]))].kind,
            profile::FrameKind::kInterpreted);
  std::string comments;
  for (const std::string& c : prof.meta.comments) comments += c + "\n";
  EXPECT_NE(comments.find("java: 1 samples with Java frames"), std::string::npos) << comments;
  EXPECT_NE(
      comments.find("AsyncGetCallTrace failed in 3 samples: ticks_GC_active 2, ticks_not_walkable_Java 1"),
      std::string::npos)
      << comments;
  reader.reset();
  munmap(mem, ring::kHeaderSize + data_size);
}

TEST(JavaFrames, KindsFollowCompiledCodeAndItsInlining) {
  using K = profile::FrameKind;
  const uint64_t a = 0xa0, b = 0xb0, c = 0xc0;
  // A compiled at 100 with B inlined, unloaded at 200; C never compiled.
  std::vector<RawJavaCode> code = {
      {100, a, 0x5000, false, {b}}, {150, c, 0x6000, true, {}}, {200, a, 0x5000, true, {}}};
  JavaCodeIndex index(code);
  // Innermost first: C called by B called by A.
  const uint64_t words[] = {1, c, 2, b, 3, a};
  std::vector<K> kinds;
  index.kinds(150, words, 3, kinds);
  EXPECT_EQ(kinds, (std::vector<K>{K::kInterpreted, K::kInlined, K::kJit}));
  index.kinds(50, words, 3, kinds);
  EXPECT_EQ(kinds, (std::vector<K>{K::kInterpreted, K::kInterpreted, K::kInterpreted}));
  index.kinds(250, words, 3, kinds);
  EXPECT_EQ(kinds, (std::vector<K>{K::kInterpreted, K::kInterpreted, K::kInterpreted}));
  // A code record claiming more inlined methods than it holds is rejected.
  ring::JavaCodeRecord rec{};
  rec.inlined_count = 3;
  RawJavaCode out;
  EXPECT_FALSE(parse_java_code(reinterpret_cast<const uint8_t*>(&rec), sizeof rec + 8, 0, &out));
  rec.inlined_count = 0;
  ASSERT_TRUE(
      parse_java_code(reinterpret_cast<const uint8_t*>(&rec), sizeof rec, ring::kJavaCodeUnloaded, &out));
  EXPECT_TRUE(out.unloaded);
}

TEST(JavaFrames, UnknownMethodsAreMarkedNotGuessed) {
  profile::Profile p;
  JavaFrameNamer namer({});
  profile::FrameId f = namer.frame(p, 0xabc0, 4);
  EXPECT_EQ(p.frame_name(f), "[java method 0xabc0]");
  EXPECT_TRUE(java_counter_lines({}).empty());  // no JVM: no comment
}

}  // namespace
}  // namespace lambdascope::capture
