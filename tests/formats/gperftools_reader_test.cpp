#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "formats/format.hpp"
#include "formats/parse_error.hpp"
#include "formats/pprof_test_support.hpp"
#include "support/test_support.hpp"

namespace lambdascope::formats {
namespace {

using testing::describe_samples;
using testing::read_as;
using testing::shared_data;

// What pprof's own parser made of a legacy file (google/pprof profile/testdata/*.string): per sample the
// values and the root-first frames "name|module|file:line;".
struct Dump {
  std::vector<std::string> samples;
  int64_t period = 0;
};

Dump parse_dump(const std::string& text) {
  std::istringstream in(text);
  std::string line, section;
  std::vector<std::pair<std::vector<int64_t>, std::vector<uint64_t>>> samples;
  std::map<uint64_t, std::vector<std::string>> locations;  // id -> its lines' "name|M=n|file:line"
  std::map<std::string, std::string> mappings;             // "M=n" -> file
  Dump d;
  uint64_t last_location = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("Period: ")) d.period = std::stoll(line.substr(8));
    if (line == "Samples:" || line == "Locations" || line == "Mappings") {
      section = line;
      if (section == "Samples:") std::getline(in, line);  // the sample types
      continue;
    }
    if (section == "Samples:") {
      size_t colon = line.find(": ");
      if (colon == std::string::npos || line.find(":[") != std::string::npos) continue;  // a label line
      std::istringstream values(line.substr(0, colon)), ids(line.substr(colon + 1));
      std::vector<int64_t> v;
      std::vector<uint64_t> l;
      for (int64_t x; values >> x;) v.push_back(x);
      for (uint64_t x; ids >> x;) l.push_back(x);
      samples.emplace_back(v, l);
    } else if (section == "Locations") {
      std::istringstream f(line);
      std::string id, addr, m, rest;
      f >> id;
      if (id.back() == ':') {
        last_location = std::stoull(id);
        f >> addr;
      }
      std::string word, mapping, name, file_line;
      while (f >> word) {
        if (word.starts_with("M=")) {
          mapping = word;
        } else if (name.empty()) {
          name = word;
        } else if (file_line.empty()) {
          file_line = word;
        }
      }
      if (name.empty()) name = addr;
      // "source.java:6:0" -> "source.java:6" (pprof prints the column too)
      if (size_t c = file_line.rfind(':'); c != std::string::npos) file_line.resize(c);
      if (file_line.empty()) file_line = ":0";
      locations[last_location].push_back(name + "|" + mapping + "|" + file_line);
    } else if (section == "Mappings") {
      std::istringstream f(line);
      std::string id, range, file;
      f >> id >> range >> file;
      if (!id.empty()) mappings["M=" + id.substr(0, id.size() - 1)] = file;
    }
  }
  for (const auto& [values, ids] : samples) {
    std::string s;
    for (size_t i = ids.size(); i > 0; --i) {
      const auto& lines = locations.at(ids[i - 1]);
      for (size_t j = lines.size(); j > 0; --j) {
        std::string l = lines[j - 1];
        size_t a = l.find('|'), b = l.find('|', a + 1);
        std::string m = l.substr(a + 1, b - a - 1);
        s += l.substr(0, a) + "|" + (m.empty() ? "" : mappings.at(m)) + "|" + l.substr(b + 1) + ";";
      }
    }
    s += " values=";
    for (int64_t v : values) s += std::to_string(v) + ",";
    d.samples.push_back(s);
  }
  return d;
}

class LegacyFile : public ::testing::TestWithParam<const char*> {};

TEST_P(LegacyFile, ReadsAsPprofReadsIt) {
  std::string path = shared_data(std::string("pprof/pprof-testdata/") + GetParam());
  std::string bytes = testing::read_file(path);
  EXPECT_EQ(sniff(bytes.substr(0, 65536)), Format::kGperftoolsCpu);
  profile::Profile p = read_profile_file(path);
  Dump expected = parse_dump(testing::read_file(path + ".string"));
  std::vector<std::string> got = describe_samples(p, /*with_kinds=*/false);
  ASSERT_EQ(got.size(), expected.samples.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].substr(0, got[i].find(" t=")), expected.samples[i]) << "sample " << i;
  EXPECT_EQ(p.meta.period, expected.period);
  EXPECT_EQ(p.meta.sample_types,
            (std::vector<profile::ValueType>{{"samples", "count"}, {"cpu", "nanoseconds"}}));
  EXPECT_EQ(p.meta.period_type, (profile::ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(p.meta.attribute(profile::attr::kSourceFormat), "gperftools");
}

INSTANTIATE_TEST_SUITE_P(Gperftools, LegacyFile,
                         ::testing::Values("cppbench.cpu", "go.crc32.cpu", "gobench.cpu", "java.cpu"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '.') c = '_';
                           return n;
                         });

TEST(GperftoolsReader, RecordedProfileAsGoToolPprofReadsIt) {
  // `go tool pprof -raw` on this file (which sums identical samples): 269 samples, 1293 counts, period 4 ms.
  profile::Profile p = read_profile_file(shared_data("gperftools/gperftools-cpu.prof"));
  EXPECT_EQ(p.num_samples(), 449u);  // records in the file
  EXPECT_EQ(p.total(0), 1293);
  EXPECT_EQ(p.total(1), 1293 * 4e6);
  EXPECT_EQ(p.meta.period, 4000000);
  ReadOptions o;
  o.aggregate = true;
  profile::Profile summed = read_profile_file(shared_data("gperftools/gperftools-cpu.prof"), o);
  EXPECT_EQ(summed.num_samples(), 269u);
  // pprof's first sample: locations 1 2 3 4 4 4 4 4 4 4 4 5 6 7 (leaf first), 5 counts.
  std::string first = describe_samples(summed)[0];
  std::string expected =
      "0x7f1edff698eb|/usr/lib/x86_64-linux-gnu/libc.so.6|:0|native;"
      "0x7f1edfee91f4|/usr/lib/x86_64-linux-gnu/libc.so.6|:0|native;0x555e3945150d|/srv/demo1/perf/"
      "busy|:0|native;";
  for (int i = 0; i < 8; ++i) expected += "0x555e3945136d|/srv/demo1/perf/busy|:0|native;";
  expected +=
      "0x555e39451349|/srv/demo1/perf/busy|:0|native;0x555e3945132c|/srv/demo1/perf/busy|:0|native;"
      "0x555e394512eb|/srv/demo1/perf/busy|:0|native; values=5,20000000,";
  EXPECT_EQ(first.substr(0, first.find(" t=")), expected);
}

TEST(GperftoolsHeapReader, GoLegacyHeapProfileReadsAsPprofReadsIt) {
  std::string path = shared_data("pprof/pprof-testdata/gobench.heap");
  EXPECT_EQ(sniff(testing::read_file(path)), Format::kGperftoolsCpu);
  profile::Profile p = read_profile_file(path);
  Dump expected = parse_dump(testing::read_file(path + ".string"));
  std::vector<std::string> got = describe_samples(p, /*with_kinds=*/false);
  ASSERT_EQ(got.size(), expected.samples.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].substr(0, got[i].find(" t=")), expected.samples[i]) << "sample " << i;
  EXPECT_EQ(p.meta.period, 524288);
  EXPECT_EQ(p.meta.period_type, (profile::ValueType{"space", "bytes"}));
  ASSERT_EQ(p.meta.sample_types.size(), 4u);
  EXPECT_EQ(p.meta.sample_types[3], (profile::ValueType{"inuse_space", "bytes"}));
  // Each sample carries its block size, as pprof's "bytes:[524288]".
  EXPECT_NE(got[0].find("labels=bytes=524288,"), std::string::npos) << got[0];
  EXPECT_NE(got[11].find("labels=bytes=288,"), std::string::npos) << got[11];
}

TEST(GperftoolsHeapReader, GperftoolsHeapProfileWithMaps) {
  std::string text =
      "heap profile:    2:    96 [    5:   200] @ heapprofile\n"
      "     1:    64 [     3:   128] @ 0x400101 0x400201\n"
      "# a comment\n"
      "\n"
      "     1:    32 [     2:    72] @ 0x70000001\n"
      "\n"
      "MAPPED_LIBRARIES:\n"
      "00400000-00401000 r-xp 00000000 08:01 123 /bin/app\n"
      "70000000-70100000 r-xp 00000000 08:01 9 /lib/libc.so.6\n";
  EXPECT_EQ(sniff(text), Format::kGperftoolsCpu);
  profile::Profile p = read_as(Format::kGperftoolsCpu, "heap.txt", text);
  EXPECT_EQ(p.meta.period, 1);
  ASSERT_EQ(p.meta.sample_types.size(), 4u);  // allocated totals differ from in-use ones
  std::vector<std::string> got = describe_samples(p, false);
  ASSERT_EQ(got.size(), 2u);
  // Not sampled (heapprofile): no scaling. Every address is a return address.
  EXPECT_EQ(got[0].substr(0, got[0].find(" t=")),
            "0x400200|/bin/app|:0;0x400100|/bin/app|:0; values=3,128,1,64,");
  EXPECT_EQ(got[1].substr(0, got[1].find(" t=")), "0x70000000|/lib/libc.so.6|:0; values=2,72,1,32,");
  EXPECT_NE(got[1].find("labels=bytes=32,"), std::string::npos);
}

TEST(GperftoolsHeapReader, InUseOnlyAndGrowthProfiles) {
  profile::Profile p = read_as(Format::kGperftoolsCpu, "h",
                               "heap profile: 1: 8 [1: 8] @ heap_v2/524288\n1: 8 [1: 8] @ 0x11\n");
  EXPECT_EQ(p.meta.sample_types, (std::vector<profile::ValueType>{{"objects", "count"}, {"space", "bytes"}}));
  // heap_v2 is sampled: 8 bytes at rate 524288 stand for 65536 allocations.
  EXPECT_EQ(p.total(0), 65536);
  EXPECT_EQ(p.total(1), 524292);
  profile::Profile g =
      read_as(Format::kGperftoolsCpu, "g", "heap profile: 1: 8 [0: 0] @ growthz\n1: 8 [0: 0] @ 0x11\n");
  EXPECT_EQ(g.meta.period, 1);
  EXPECT_EQ(g.total(1), 8);
}

TEST(GperftoolsHeapReaderErrors, NameTheLine) {
  auto error = [](const std::string& text) {
    try {
      read_as(Format::kGperftoolsCpu, "heap.txt", text);
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string e = error("heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 [1: 8] @ 0x10\nnot a sample\n");
  EXPECT_NE(e.find("heap.txt:3: expected a heap sample"), std::string::npos) << e;
  e = error("heap profile: 1: 8 [1: 8] @ heapprofile\n0: 8 [1: 8] @ 0x10\n");
  EXPECT_NE(e.find("heap.txt:2: in-use count is 0 but in-use bytes is 8"), std::string::npos) << e;
  e = error("heap profile: 1: 8 [1: 8] @ mystery\n");
  EXPECT_NE(e.find("heap.txt:1: unknown heap profile kind \"mystery\""), std::string::npos) << e;
  e = error("heap profile: 1: 8 @ heapprofile\n");
  EXPECT_NE(e.find("heap.txt:1: expected \"heap profile: N: N [N: N] @ kind\""), std::string::npos) << e;
  e = error("heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 [1: 8] @ 0x10000000000000000\n");
  EXPECT_NE(e.find("does not fit 64 bits"), std::string::npos) << e;
}

// A legacy profile built word by word.
struct Builder {
  size_t width = 8;
  bool big = false;
  std::string bytes;

  Builder& word(uint64_t v) {
    for (size_t k = 0; k < width; ++k) {
      size_t shift = 8 * (big ? width - 1 - k : k);
      bytes += static_cast<char>((v >> shift) & 0xff);
    }
    return *this;
  }
  Builder& header(uint64_t period_us, uint64_t java = 0) {
    return word(0).word(3).word(java).word(period_us).word(0);
  }
  Builder& sample(uint64_t count, std::vector<uint64_t> pcs) {
    word(count).word(pcs.size());
    for (uint64_t pc : pcs) word(pc);
    return *this;
  }
  Builder& trailer() { return word(0).word(1).word(0); }
  Builder& text(const std::string& t) {
    bytes += t;
    return *this;
  }
};

constexpr const char* kMaps =
    "00400000-00401000 r-xp 00000000 08:01 123 /bin/app\n"
    "00401000-00402000 r-xp 00001000 08:01 123 /bin/app\n"  // adjacent piece: merged
    "00600000-00601000 rw-p 00000000 08:01 123 /bin/app\n"  // not executable: skipped
    "70000000-70100000 r-xp 00000000 08:01 9 /lib/libc.so.6\n"
    "7fff0000-7fff1000 r-xp 00000000 00:00 0 [vdso]\n"
    "build=1234\n";  // not a mapping: skipped

profile::Profile read_gperf(std::string bytes, ReadOptions o = {}) {
  return read_as(Format::kGperftoolsCpu, "test.prof", std::move(bytes), o);
}

TEST(GperftoolsReader, EveryWordSizeAndByteOrder) {
  std::vector<std::string> first;
  for (size_t width : {4, 8}) {
    for (bool big : {false, true}) {
      Builder b{width, big, {}};
      b.header(1000)
          .sample(2, {0x400010, 0x400abc, 0x70000100})
          .sample(1, {0x7fff0010})
          .trailer()
          .text(kMaps);
      EXPECT_EQ(sniff(b.bytes), Format::kGperftoolsCpu) << width << big;
      std::vector<std::string> got = describe_samples(read_gperf(b.bytes));
      if (first.empty()) first = got;
      EXPECT_EQ(got, first) << width << big;
    }
  }
  ASSERT_EQ(first.size(), 2u);
  // Return addresses (not the leaf) move back by one; modules from the maps; [vdso] counts as kernel.
  EXPECT_EQ(first[0].substr(0, first[0].find(" t=")),
            "0x700000ff|/lib/libc.so.6|:0|native;0x400abb|/bin/app|:0|native;0x400010|/bin/app|:0|native; "
            "values=2,2000000,");
  EXPECT_EQ(first[1].substr(0, first[1].find(" t=")), "0x7fff0010|[vdso]|:0|kernel; values=1,1000000,");
}

TEST(GperftoolsReader, DropsTheSignalHandlerFrameAndDuplicateLeaves) {
  Builder b;
  b.header(10000);
  // 40 of 41 samples share their second frame (the handler): there it goes (one differing sample in 32 is
  // allowed).
  for (uint64_t i = 0; i < 40; ++i) b.sample(1, {0x400100 + i, 0x400f00, 0x400200 + 16 * i});
  // Leaf reported twice (equal raw addresses; the copy is a return address, so it was moved back by one).
  b.sample(1, {0x400300, 0x400300, 0x400f00, 0x400400});
  b.trailer().text(kMaps);
  profile::Profile p = read_gperf(b.bytes);
  ASSERT_EQ(p.num_samples(), 41u);
  std::string s0 = describe_samples(p, false)[0];
  EXPECT_EQ(s0.substr(0, s0.find(" values")), "0x4001ff|/bin/app|:0;0x400100|/bin/app|:0;");
  std::string last = describe_samples(p, false)[40];
  EXPECT_EQ(last.substr(0, last.find(" values")),
            "0x4003ff|/bin/app|:0;0x400eff|/bin/app|:0;0x400300|/bin/app|:0;");
  EXPECT_EQ(p.meta.period, 10000000);
}

TEST(GperftoolsReader, BriefMappingsAndSplitMappings) {
  Builder b;
  b.header(100).sample(1, {0x1010}).sample(1, {0x5010}).sample(1, {0x9999999}).trailer();
  b.text("0x1000-0x2000 /opt/brief (@0) abcdef\n  0x5000 0x6000 /opt/other\n");
  // The second part of a split mapping, reported with its offset: the address before it still belongs.
  b.text("7000-8000 r-xp 00001000 00:00 1 /opt/split\n");
  b.sample(0, {});  // after the trailer: text, not a sample
  profile::Profile p = read_gperf(b.bytes);
  std::vector<std::string> got = describe_samples(p, false);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].substr(0, got[0].find(' ')), "0x1010|/opt/brief|:0;");
  EXPECT_EQ(got[1].substr(0, got[1].find(' ')), "0x5010|/opt/other|:0;");
  EXPECT_EQ(got[2].substr(0, got[2].find(' ')), "0x9999999||:0;");

  Builder split;
  split.header(100).sample(1, {0x6800}).trailer().text("7000-8000 r-xp 00001000 00:00 1 /opt/split\n");
  std::string s = describe_samples(read_gperf(split.bytes), false)[0];
  EXPECT_EQ(s.substr(0, s.find(' ')), "0x6800|/opt/split|:0;");
}

TEST(GperftoolsReader, JavaSymbols) {
  Builder b{4, false, {}};
  b.header(10000, 1).sample(3, {1, 2}).sample(1, {2, 3, 9}).trailer();
  b.text("\n 0x1 com.example.Foo.bar (Foo.java:12)\n 0x00000002 GC\n 0x3 nativeCall (/usr/lib/libjvm.so)\n");
  std::vector<std::string> got = describe_samples(read_gperf(b.bytes), false);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].substr(0, got[0].find(" t=")),
            "GC||:0;com.example.Foo.bar||Foo.java:12; values=3,30000000,");
  EXPECT_EQ(got[1].substr(0, got[1].find(" t=")),
            "0x9||:0;nativeCall||libjvm.so:0;GC||:0; values=1,10000000,");  // Java addresses are not adjusted
}

TEST(GperftoolsReader, MissingTrailerWarns) {
  Builder b;
  b.header(100).sample(1, {0x10});
  std::vector<std::string> warnings;
  ReadOptions o;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  EXPECT_EQ(read_gperf(b.bytes, o).num_samples(), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no end-of-profile marker"), std::string::npos);
}

TEST(GperftoolsReader, AggregateSumsIdenticalStacks) {
  Builder b;
  b.header(100).sample(1, {0x10, 0x20}).sample(2, {0x10, 0x20}).sample(1, {0x30}).trailer();
  ReadOptions o;
  o.aggregate = true;
  profile::Profile p = read_gperf(b.bytes, o);
  EXPECT_EQ(p.num_samples(), 2u);
  EXPECT_EQ(p.total(0), 4);
}

TEST(GperftoolsReaderErrors, TruncatedSample) {
  Builder b;
  b.header(100).sample(1, {0x10, 0x20});
  size_t second = b.bytes.size();
  b.word(1).word(5).word(0x10);  // declares 5 addresses, has 1
  try {
    read_gperf(b.bytes);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.byte_offset(), second);
    EXPECT_NE(std::string(e.what()).find("sample 2 declares 5 addresses, but only 8 bytes remain"),
              std::string::npos)
        << e.what();
  }
  b.bytes.resize(second + 3);
  try {
    read_gperf(b.bytes);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.byte_offset(), second);
    EXPECT_NE(std::string(e.what()).find("sample 2 is cut short"), std::string::npos) << e.what();
  }
}

TEST(GperftoolsReaderErrors, NotAProfile) {
  for (std::string bad :
       {std::string("hello"), std::string(40, '\0'), std::string("\0\0\0\0\3\0\0\0\2\0\0\0", 12)}) {
    try {
      read_gperf(bad);
      FAIL() << bad;
    } catch (const ParseError& e) {
      EXPECT_EQ(e.byte_offset(), 0u);
      EXPECT_NE(std::string(e.what()).find("not a gperftools CPU profile"), std::string::npos) << e.what();
    }
  }
}

TEST(GperftoolsReaderErrors, HugeDepthIsRefusedBeforeAllocating) {
  Builder b;
  b.header(100).word(1).word(UINT64_MAX / 2).word(0x10);
  EXPECT_THROW(read_gperf(b.bytes), ParseError);
}

}  // namespace
}  // namespace lambdascope::formats
