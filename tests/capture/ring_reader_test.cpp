// The ring between writers (signal handlers on many threads) and one reader in another process, exercised
// with threads: every published record arrives once, intact and in each writer's order; a full ring drops
// and counts instead of overwriting; garbage in the file stops the reader instead of misleading it.
#include "capture/ring_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "agent/ring_writer.hpp"
#include "support/test_support.hpp"

namespace lambdascope::capture {
namespace {

namespace ring = agent::ring;

// A ring file as the agent creates it (agent/ring_file.cpp is not part of this library).
ring::Header* make_ring(const std::string& path, uint64_t data_size) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(ring::kHeaderSize + data_size)), 0);
  void* mem = mmap(nullptr, ring::kHeaderSize + data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  auto* h = static_cast<ring::Header*>(mem);
  h->version = ring::kVersion;
  h->header_size = ring::kHeaderSize;
  h->data_size = data_size;
  h->allocated = data_size;  // all of it backed (the agent grows this as it goes)
  h->pid = 77;
  h->mode = static_cast<uint32_t>(ring::Mode::kCpu);
  h->period_ns = 1000;
  std::memcpy(h->magic, ring::kMagic, 8);
  return h;
}

bool write_sample(agent::RingWriter& w, int tid, uint64_t seq, uint32_t depth) {
  uint32_t size = static_cast<uint32_t>(sizeof(ring::SampleRecord) + depth * 8);
  uint8_t* p = w.reserve(size);
  if (p == nullptr) {
    w.count(ring::kDroppedFull);
    return false;
  }
  auto* rec = reinterpret_cast<ring::SampleRecord*>(p);
  rec->time_ns = seq;
  rec->tid = tid;
  rec->weight = 1;
  rec->depth = depth;
  rec->cpu_ns = seq * 7;
  auto* pcs = reinterpret_cast<uint64_t*>(p + sizeof(ring::SampleRecord));
  for (uint32_t i = 0; i < depth; ++i) pcs[i] = seq * 1000 + i;
  agent::RingWriter::publish(p, ring::RecordType::kSample, size, 0);
  w.count(ring::kSamples);
  return true;
}

TEST(Ring, ConcurrentWritersOneReader) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  ring::Header* h = make_ring(dir + "/r.ring", 1 << 16);  // small: it wraps many times
  agent::RingWriter w;
  w.attach(h);
  std::string error;
  auto reader = RingReader::open(dir + "/r.ring", &error);
  ASSERT_NE(reader, nullptr) << error;

  constexpr int kThreads = 4;
  constexpr uint64_t kPerThread = 20000;
  std::atomic<int> done{0};
  std::atomic<uint64_t> written{0};
  std::atomic<bool> stuck{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t seq = 1; seq <= kPerThread; ++seq) {
        // Retry until there is room, so every record eventually gets through (a bounded wait: a ring that
        // never frees space must fail the test, not hang it).
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!write_sample(w, t + 1, seq, static_cast<uint32_t>(seq % 40))) {
          if (std::chrono::steady_clock::now() > give_up) {
            stuck = true;
            ++done;
            return;
          }
          std::this_thread::yield();
        }
        ++written;
      }
      ++done;
    });
  }
  RingData data;
  while (done < kThreads || reader->pending_bytes() > 0) reader->poll(data);
  for (auto& t : writers) t.join();
  reader->poll(data);
  ASSERT_FALSE(stuck) << "writers never found room";

  EXPECT_EQ(data.corrupt_records, 0u);
  ASSERT_EQ(data.samples.size(), kThreads * kPerThread);
  std::map<int, uint64_t> last;
  for (const RawSample& s : data.samples) {
    ASSERT_EQ(s.time_ns, last[s.tid] + 1)
        << "thread " << s.tid;  // each writer's order, nothing lost or doubled
    last[s.tid] = s.time_ns;
    ASSERT_EQ(s.depth, s.time_ns % 40);
    ASSERT_EQ(s.cpu_ns, s.time_ns * 7);
    for (uint32_t i = 0; i < s.depth; ++i) ASSERT_EQ(data.pcs[s.first_pc + i], s.time_ns * 1000 + i);
  }
  EXPECT_GT(data.counters[ring::kDroppedFull], 0u);  // writers did find it full and counted it
}

// Idle records of version 2: with weight, a thread that did not run (waiting); weight 0 carries only the CPU
// time its previous stack used before it blocked (not waiting).
TEST(Ring, IdleRecordsCarryCpuAndSayWhetherTheThreadWaited) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  ring::Header* h = make_ring(dir + "/r.ring", 1 << 12);
  agent::RingWriter w;
  w.attach(h);
  for (uint32_t weight : {2u, 0u}) {
    uint8_t* p = w.reserve(sizeof(ring::IdleRecord));
    ASSERT_NE(p, nullptr);
    auto* rec = reinterpret_cast<ring::IdleRecord*>(p);
    rec->time_ns = 10 + weight;
    rec->tid = 4;
    rec->weight = weight;
    rec->cpu_ns = weight == 0 ? 123456 : 0;
    agent::RingWriter::publish(p, ring::RecordType::kIdle, sizeof(ring::IdleRecord), 0);
  }
  std::string error;
  auto reader = RingReader::open(dir + "/r.ring", &error);
  ASSERT_NE(reader, nullptr) << error;
  RingData data;
  reader->poll(data);
  ASSERT_EQ(data.samples.size(), 2u);
  EXPECT_TRUE(data.samples[0].idle && data.samples[0].waiting);
  EXPECT_EQ(data.samples[0].weight, 2u);
  EXPECT_EQ(data.samples[0].cpu_ns, 0u);
  EXPECT_TRUE(data.samples[1].idle);
  EXPECT_FALSE(data.samples[1].waiting);
  EXPECT_EQ(data.samples[1].cpu_ns, 123456u);
}

// A dormant thread's periods come as one span record: the reader makes it one waiting sample of the span's
// weight at its end (as an idle record of that weight; window cutters split it at their edges); a span that
// cannot be the agent's is counted corrupt.
TEST(Ring, IdleSpansBecomeOneWaitingSampleOfTheirWeight) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  ring::Header* h = make_ring(dir + "/r.ring", 1 << 12);
  agent::RingWriter w;
  w.attach(h);
  auto span = [&](uint64_t first, uint64_t last, uint32_t weight, uint16_t flags) {
    uint8_t* p = w.reserve(sizeof(ring::IdleSpanRecord));
    ASSERT_NE(p, nullptr);
    auto* rec = reinterpret_cast<ring::IdleSpanRecord*>(p);
    rec->time_ns = last;
    rec->tid = 9;
    rec->weight = weight;
    rec->first_ns = first;
    agent::RingWriter::publish(p, ring::RecordType::kIdleSpan, sizeof(ring::IdleSpanRecord), flags);
  };
  span(1000, 5000, 5, 0);
  span(7000, 7000, 1, ring::kIdleRunnable);
  span(9000, 8000, 3, 0);  // ends before it starts
  std::string error;
  auto reader = RingReader::open(dir + "/r.ring", &error);
  ASSERT_NE(reader, nullptr) << error;
  RingData data;
  reader->poll(data);
  ASSERT_EQ(data.samples.size(), 2u);
  EXPECT_EQ(data.samples[0].time_ns, 5000u);
  EXPECT_EQ(data.samples[0].weight, 5u);
  EXPECT_TRUE(data.samples[0].idle && data.samples[0].waiting);
  EXPECT_FALSE(data.samples[0].runnable);
  EXPECT_EQ(data.samples[0].tid, 9);
  EXPECT_EQ(data.samples[1].time_ns, 7000u);
  EXPECT_EQ(data.samples[1].weight, 1u);
  EXPECT_TRUE(data.samples[1].runnable);
  EXPECT_EQ(data.corrupt_records, 1u);
}

// A version 1 ring (written by an older agent): sample records end before cpu_ns, PCs follow at 32 bytes.
TEST(Ring, ReadsVersionOneRecords) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  ring::Header* h = make_ring(dir + "/r.ring", 1 << 12);
  h->version = 1;
  agent::RingWriter w;
  w.attach(h);
  const uint32_t size = ring::kSampleRecordSizeV1 + 2 * 8;
  uint8_t* p = w.reserve(size);
  ASSERT_NE(p, nullptr);
  auto* rec = reinterpret_cast<ring::SampleRecord*>(p);  // its first 32 bytes are version 1's record
  rec->time_ns = 5;
  rec->tid = 3;
  rec->weight = 1;
  rec->depth = 2;
  uint64_t pcs[2] = {0x1111, 0x2222};
  std::memcpy(p + ring::kSampleRecordSizeV1, pcs, sizeof pcs);
  agent::RingWriter::publish(p, ring::RecordType::kSample, size, 0);
  std::string error;
  auto reader = RingReader::open(dir + "/r.ring", &error);
  ASSERT_NE(reader, nullptr) << error;
  EXPECT_EQ(reader->info().version, 1u);
  RingData data;
  reader->poll(data);
  EXPECT_EQ(data.corrupt_records, 0u);
  ASSERT_EQ(data.samples.size(), 1u);
  EXPECT_EQ(data.samples[0].cpu_ns, 0u);
  ASSERT_EQ(data.samples[0].depth, 2u);
  EXPECT_EQ(data.pcs[data.samples[0].first_pc], 0x1111u);
  EXPECT_EQ(data.pcs[data.samples[0].first_pc + 1], 0x2222u);
  // A version newer than ours is refused with a message.
  h->version = ring::kVersion + 1;
  EXPECT_EQ(RingReader::open(dir + "/r.ring", &error), nullptr);
  EXPECT_NE(error.find("version"), std::string::npos) << error;
}

TEST(Ring, FullRingDropsNewRecordsAndKeepsOldOnes) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  ring::Header* h = make_ring(dir + "/r.ring", 1 << 12);
  agent::RingWriter w;
  w.attach(h);
  int written = 0;
  while (write_sample(w, 1, static_cast<uint64_t>(written) + 1, 10)) ++written;
  EXPECT_GT(written, 0);
  EXPECT_FALSE(write_sample(w, 1, 999, 10));
  std::string error;
  auto reader = RingReader::open(dir + "/r.ring", &error);
  RingData data;
  reader->poll(data);
  ASSERT_EQ(data.samples.size(), static_cast<size_t>(written));
  EXPECT_EQ(data.samples.front().time_ns, 1u);
  EXPECT_EQ(data.counters[ring::kDroppedFull], 2u);
  // Space is back once read.
  EXPECT_TRUE(write_sample(w, 1, 1000, 10));
}

TEST(Ring, GarbageStopsTheReader) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  ring::Header* h = make_ring(dir + "/r.ring", 1 << 12);
  agent::RingWriter w;
  w.attach(h);
  write_sample(w, 1, 1, 3);
  // A record claiming to be larger than what was reserved.
  uint8_t* p = w.reserve(64);
  agent::RingWriter::publish(p, ring::RecordType::kSample, 4000, 0);
  write_sample(w, 1, 2, 3);
  std::string error;
  auto reader = RingReader::open(dir + "/r.ring", &error);
  RingData data;
  reader->poll(data);
  EXPECT_EQ(data.samples.size(), 1u);
  EXPECT_EQ(data.corrupt_records, 1u);
  // Not a ring at all.
  std::ofstream(dir + "/bad.ring") << std::string(8192, 'x');
  EXPECT_EQ(RingReader::open(dir + "/bad.ring", &error), nullptr);
  EXPECT_NE(error.find("not a lambdascope ring"), std::string::npos);
}

}  // namespace
}  // namespace lambdascope::capture
