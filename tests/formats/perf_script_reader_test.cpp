// The `perf script` reader as a whole: metadata, sample columns and types, the event filter, every perf file
// of the shared data against an independent count of its records, the parallel path against the sequential
// one, and bad input (errors with file and line, warnings for odd lines).
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

#include "formats/parse_error.hpp"
#include "formats/perf_script_reader.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "support/test_support.hpp"

namespace lambdascope::formats {
namespace {

using testing::read_file;
using testing::shared_data;

struct Read {
  profile::Profile profile;
  std::vector<std::string> warnings;
};

Read read_text(std::string text, ReadOptions o = {}, perf_script::ReaderTuning tuning = {},
               const std::string& name = "test.perf") {
  Read r;
  o.warn = [&](const std::string& w) { r.warnings.push_back(w); };
  auto in = InputSource::from_memory(name, std::move(text));
  r.profile = perf_script::read(*in, o, tuning);
  return r;
}

Read read_shared(const std::string& path, ReadOptions o = {}) {
  return read_text(read_file(shared_data("perf-script/" + path)), std::move(o), {}, path);
}

std::string attribute(const profile::Profile& p, std::string_view key) {
  return std::string(p.meta.attribute(key));
}

// An independent count of the records: event lines start in column 0 and are not comments (true of every
// perf file below; frames there are indented).
size_t count_event_lines(const std::string& text, std::string_view event = {}) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#') continue;
    if (event.empty() || line.find(" " + std::string(event) + ":") != std::string::npos) ++n;
  }
  return n;
}

TEST(PerfScriptReader, HeaderBecomesMetadata) {
  Read r = read_shared("speedscope-samples/simple-with-header.linux-perf.txt");
  const profile::Metadata& m = r.profile.meta;
  EXPECT_EQ(attribute(r.profile, profile::attr::kSourceFormat), "perf-script");
  EXPECT_EQ(attribute(r.profile, profile::attr::kTimeClock), "perf");
  EXPECT_EQ(attribute(r.profile, profile::attr::kHostname), "e2b5bab9a538");
  EXPECT_EQ(attribute(r.profile, profile::attr::kCommand),
            "/usr/lib/linux-tools-4.15.0-30/perf record -F 999 -g ./simple-terminates");
  EXPECT_EQ(attribute(r.profile, profile::attr::kCapturedOn), "Wed Aug 15 16:01:24 2018");
  EXPECT_EQ(attribute(r.profile, profile::attr::kEvent), "cpu-clock");
  EXPECT_EQ(attribute(r.profile, profile::attr::kFrequencyHz), "999");
  ASSERT_EQ(m.sample_types.size(), 2u);
  EXPECT_EQ(m.sample_types[0], (profile::ValueType{"samples", "count"}));
  EXPECT_EQ(m.sample_types[1], (profile::ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(m.default_sample_type, 0);
  EXPECT_EQ(m.period_type, (profile::ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(m.period, 1001001);  // 1e9 / 999 Hz
  // No "time of first sample" line: the range comes from the samples.
  EXPECT_NE(m.start_ns, profile::kNoTime);
  EXPECT_GE(m.end_ns, m.start_ns);
  EXPECT_EQ(m.duration_ns, m.end_ns - m.start_ns);
}

TEST(PerfScriptReader, ColumnsOfTheFirstSample) {
  Read r = read_shared("flamegraph-tests/perf-iperf-stacks-pidtid-01.txt");
  const profile::Profile& p = r.profile;
  ASSERT_GT(p.num_samples(), 0u);
  EXPECT_EQ(p.strings[p.samples.thread_name[0]], "iperf");
  EXPECT_EQ(p.samples.pid[0], 27409);  // "iperf 27409/28744 [000] 441995.133575: cpu-clock:"
  EXPECT_EQ(p.samples.tid[0], 28744);
  EXPECT_EQ(p.samples.cpu[0], 0);
  EXPECT_EQ(p.samples.time_ns[0], 441995'133575'000);
  EXPECT_EQ(p.num_values(), 1u);  // no record printed a period
  EXPECT_EQ(p.meta.sample_types[0], (profile::ValueType{"samples", "count"}));
}

TEST(PerfScriptReader, SamplesStayInFileOrderWithExactTimes) {
  std::string text = read_file(shared_data("perf-script/perf-medium.txt"));
  std::vector<int64_t> times;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '\t' || line[0] == '#') continue;
    size_t colon = line.find(": ");
    size_t start = line.rfind(' ', colon) + 1;
    std::string t = line.substr(start, colon - start);
    size_t dot = t.find('.');
    times.push_back(std::stoll(t.substr(0, dot)) * 1'000'000'000 + std::stoll(t.substr(dot + 1)) * 1000);
  }
  for (unsigned threads : {1u, 2u}) {
    ReadOptions o;
    o.threads = threads;
    Read r = read_text(text, o, {4096, 4096});
    ASSERT_EQ(r.profile.samples.time_ns, times);
  }
}

TEST(PerfScriptReader, EverySharedPerfFileCountsItsRecords) {
  for (const char* path :
       {"speedscope-samples/forks.linux-perf.txt", "speedscope-samples/one-sample.linux-perf.txt",
        "speedscope-samples/rust-mangled.linux-perf.txt",
        "speedscope-samples/simple-with-header.linux-perf.txt",
        "speedscope-samples/simple-with-pid.linux-perf.txt", "speedscope-samples/simple.linux-perf.txt",
        "speedscope-samples/system-wide.linux-perf.txt", "perf-small.txt", "perf-medium.txt"}) {
    SCOPED_TRACE(path);
    std::string text = read_file(shared_data(std::string("perf-script/") + path));
    ReadOptions o;
    o.aggregate = true;
    Read r = read_text(text, o, {}, path);
    EXPECT_EQ(r.profile.total(0), static_cast<double>(count_event_lines(text)));
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  }
}

TEST(PerfScriptReader, LargeRecordingCountsItsRecords) {
  // 99.6 MB decompressed, 118,791 records: the parallel path over many blocks.
  std::string text = read_file(shared_data("perf-script/perf-large.txt.gz"));
  ASSERT_EQ(count_event_lines(text), 118791u);
  ReadOptions o;
  o.aggregate = true;
  o.threads = 2;
  profile::Profile p = read_text(std::move(text), o).profile;
  EXPECT_EQ(p.total(0), 118791);
  ASSERT_EQ(p.meta.sample_types.size(), 2u);
  EXPECT_EQ(p.meta.sample_types[1].type, "cpu");
  EXPECT_GT(p.total(1), 118791.0 * 400000);  // cpu-clock at 1999 Hz: about 500 us per sample
}

TEST(PerfScriptReader, PeriodColumnWeightsAndMissingPeriodsCountOne) {
  std::string text =
      "a 1 [000] 1.000001: 100 cycles:\n\t1 f (/x)\n\n"
      "a 1 [000] 1.000002: cycles:\n\t1 f (/x)\n\n"
      "a 1 [000] 1.000003: 50 cycles:\n\t2 g (/x)\n\n";
  Read r = read_text(text);
  ASSERT_EQ(r.profile.num_values(), 2u);
  EXPECT_EQ(r.profile.meta.sample_types[1], (profile::ValueType{"cycles", "events"}));
  EXPECT_EQ(r.profile.total(0), 3);
  EXPECT_EQ(r.profile.total(1), 151);
}

TEST(PerfScriptReader, DefaultEventFilterKeepsTheFirstEvent) {
  std::string text = read_file(shared_data("perf-script/flamegraph-tests/perf-cycles-instructions-01.txt"));
  Read r = read_text(text);
  std::string first = attribute(r.profile, profile::attr::kEvent);
  ASSERT_TRUE(first == "cycles" || first == "instructions") << first;
  EXPECT_EQ(r.profile.total(0), static_cast<double>(count_event_lines(text, first)));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("filtering for events of type " + first), std::string::npos) << r.warnings[0];
  for (const char* event : {"cycles", "instructions"}) {
    SCOPED_TRACE(event);
    ReadOptions o;
    o.event_filter = event;
    Read f = read_text(text, o);
    EXPECT_EQ(f.profile.total(0), static_cast<double>(count_event_lines(text, event)));
    EXPECT_GT(f.profile.total(0), 0);
    EXPECT_TRUE(f.warnings.empty());  // the user chose: no warning
  }
}

TEST(PerfScriptReader, EventFilterMatchesBaseNameOrWholeToken) {
  std::string text =
      "a 1 1.0: 1 cycles:u:\n\t1 f (/x)\n\n"
      "a 1 1.1: 1 cycles:k:\n\t1 g (/x)\n\n"
      "a 1 1.2: 1 instructions:u:\n\t1 h (/x)\n\n";
  auto with = [&](std::string filter) {
    ReadOptions o;
    o.event_filter = std::move(filter);
    return read_text(text, o).profile.total(0);
  };
  EXPECT_EQ(with("cycles"), 2);
  EXPECT_EQ(with("cycles:k"), 1);
  EXPECT_EQ(with("instructions"), 1);
  Read none = [&] {
    ReadOptions o;
    o.event_filter = "branches";
    return read_text(text, o);
  }();
  EXPECT_EQ(none.profile.num_samples(), 0u);
  ASSERT_EQ(none.warnings.size(), 1u);
  EXPECT_NE(none.warnings[0].find("no records of event branches"), std::string::npos) << none.warnings[0];
  // Default: the first event, by base name (cycles:u and cycles:k are one event), as inferno compares.
  EXPECT_EQ(read_text(text).profile.total(0), 2);
}

TEST(PerfScriptReader, RecordsWithoutCallchainsOrBlankLines) {
  // perf record without -g: one line per sample, the frame on the event line; and lines with no frame.
  std::string text =
      "           false 39654 19115.489713:          1 cycles:u:  ffffffff9b201293 [unknown] ([unknown])\n"
      "           false 39654 19115.489719:          1 cycles:      7fa68b1f2d84 _dl_start+0x4 "
      "(/usr/lib/ld-2.31.so)\n"
      "sleep 77 [001] 5.5: 1 cycles:\n"
      "sleep 77 [001] 5.6: 1 cycles:\n";
  ReadOptions o;
  o.aggregate = true;
  Read r = read_text(text, o);
  EXPECT_EQ(write_folded(r.profile), "false;[unknown] 1\nfalse;_dl_start 1\nsleep 2\n");
}

TEST(PerfScriptReader, SideBandRecordsAreNotSamples) {
  // perf script --show-task-events --show-mmap-events: the first line must not become the event to keep.
  std::string text =
      "            perf 13350 [001] 4361.398186: PERF_RECORD_COMM: perf:13350/13350\n"
      "            perf 13350 [001] 4361.398190: PERF_RECORD_MMAP2 13350/13350: [0x55d6d8e73000(0x5000) @ "
      "0x2000 fd:01 1310935 0]: r-xp /usr/bin/perf\n"
      "            perf 13350 [001] 4361.398201: PERF_RECORD_EXIT(13350:13350):(13349:13349)\n"
      "a 1 [001] 4361.5: 1 cycles:\n\t1 f (/x)\n\n";
  Read r = read_text(text);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(attribute(r.profile, profile::attr::kEvent), "cycles");
  EXPECT_EQ(write_folded(r.profile), "a;f 1\n");
}

TEST(PerfScriptReader, SrclinesGiveFramesAFileAndLine) {
  std::string text =
      "a.out 35081 252436.005167:     667783 cycles:\n"
      "\t          408ebb some_method_name+0x8b (/full/path/to/a.out)\n"
      "  uniform_int_dist.h:300\n"
      "\t          4069f5 main+0x935 (/full/path/to/a.out)\n"
      "  file.cpp:137\n"
      "\t    7f6d2148eb25 __libc_start_main+0xd5 (/lib64/libc-2.33.so)\n"
      "  libc-2.33.so[27b25]\n\n";
  Read r = read_text(text);
  ASSERT_TRUE(r.warnings.empty()) << r.warnings.front();
  const profile::Profile& p = r.profile;
  ASSERT_EQ(p.num_samples(), 1u);
  auto frames = p.stacks.frames_root_first(p.samples.stack[0]);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(p.frame_name(frames[1]), "main");
  EXPECT_EQ(p.strings[p.frames[frames[1]].file], "file.cpp");
  EXPECT_EQ(p.frames[frames[1]].line, 137u);
  EXPECT_EQ(p.strings[p.frames[frames[2]].file], "uniform_int_dist.h");
  EXPECT_EQ(p.frames[frames[0]].file, 0u);
  EXPECT_EQ(write_folded(p), "a.out;__libc_start_main;main;some_method_name 1\n");
}

TEST(PerfScriptReader, FrameKindsAndModules) {
  Read r = read_shared("inferno-tests/java-inline.txt");
  const profile::Profile& p = r.profile;
  bool kernel = false, jit = false, inlined = false;
  for (profile::FrameId f = 0; f < p.frames.size(); ++f) {
    const profile::Frame& fr = p.frames[f];
    if (fr.kind == profile::FrameKind::kKernel) {
      kernel = true;
      EXPECT_EQ(p.strings[fr.module], "[kernel.kallsyms]");
    }
    if (fr.kind == profile::FrameKind::kJit) jit = true;
    if (fr.kind == profile::FrameKind::kInlined) {
      inlined = true;
      EXPECT_TRUE(p.frame_name(f).ends_with("_[i]")) << p.frame_name(f);
      EXPECT_EQ(p.strings[fr.module], "/tmp/perf-10487.map");
    }
  }
  EXPECT_TRUE(kernel && jit && inlined);
}

TEST(PerfScriptReader, CrlfLineEndingsReadTheSame) {
  std::string text = read_file(shared_data("perf-script/perf-medium.txt"));
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  ReadOptions o;
  o.aggregate = true;
  Read lf = read_text(text, o), cr = read_text(crlf, o, {4096, 4096});
  EXPECT_TRUE(cr.warnings.empty());
  EXPECT_EQ(write_folded(cr.profile), write_folded(lf.profile));
}

TEST(PerfScriptReader, ThreadsAndBlocksGiveTheSameProfile) {
  std::string text = read_file(shared_data("perf-script/flamegraph-tests/perf-java-stacks-01.txt"));
  Read one = read_text(text);
  for (unsigned threads : {1u, 2u, 4u}) {
    for (size_t block : {200, 5000}) {
      SCOPED_TRACE(std::to_string(threads) + " threads, blocks of " + std::to_string(block));
      ReadOptions o;
      o.threads = threads;
      Read r = read_text(text, o, {block, block});
      EXPECT_EQ(r.profile.samples.time_ns, one.profile.samples.time_ns);
      EXPECT_EQ(r.profile.samples.tid, one.profile.samples.tid);
      EXPECT_EQ(write_folded(r.profile), write_folded(one.profile));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bad input

ParseError read_error(std::string text, unsigned threads = 1, perf_script::ReaderTuning tuning = {}) {
  ReadOptions o;
  o.threads = threads;
  try {
    read_text(std::move(text), o, tuning);
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "no ParseError";
  return ParseError::whole("", "");
}

TEST(PerfScriptReaderErrors, BinaryGarbage) {
  static const char kPng[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
  std::string garbage(kPng, sizeof kPng - 1);
  ParseError e = read_error(garbage);
  EXPECT_EQ(e.line(), 2u);
  EXPECT_NE(std::string(e.what()).find("test.perf:2: binary data"), std::string::npos) << e.what();
  // Garbage after valid records, found by a worker in a later block: the file's line number still.
  std::string valid = read_file(shared_data("perf-script/perf-medium.txt"));
  size_t lines = static_cast<size_t>(std::count(valid.begin(), valid.end(), '\n'));
  ParseError late = read_error(valid + std::string("\x01\x02\x03\n", 4), 2, {4096, 4096});
  EXPECT_EQ(late.line(), lines + 1);
  // A NUL inside what parses as a frame line is binary too.
  ParseError nul =
      read_error("a 1 [000] 1.0: 1 cycles:\n\t1 f (/x)\n\t2 g" + std::string(1, '\0') + "h (/x)\n\n");
  EXPECT_EQ(nul.line(), 3u);
  EXPECT_NE(std::string(nul.what()).find("test.perf:3: binary data (byte 0x00)"), std::string::npos)
      << nul.what();
}

TEST(PerfScriptReaderErrors, FileCutInsideAFrameLine) {
  std::string text = read_file(shared_data("perf-script/perf-small.txt"));
  size_t last_line = text.rfind("\n\t") + 1;
  size_t cut = text.find_first_not_of(" \t", last_line) + 3;  // inside the address of the last frame line
  std::string truncated = text.substr(0, cut);
  size_t lines = static_cast<size_t>(std::count(truncated.begin(), truncated.end(), '\n')) + 1;
  for (unsigned threads : {1u, 2u}) {
    ParseError e = read_error(truncated, threads, {512, 512});
    EXPECT_EQ(e.line(), lines);
    std::string what = e.what();
    EXPECT_NE(what.find("test.perf:" + std::to_string(lines) + ": the input ends inside a record"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("<address> <symbol> (<dso>)"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
}

TEST(PerfScriptReaderErrors, FileCutInsideAnEventLine) {
  ParseError e = read_error("a 1 [000] 1.0: 1 cycles:\n\t1 f (/x)\n\nb 2 [000] 1.5: 1 cyc");
  EXPECT_EQ(e.line(), 4u);
  EXPECT_NE(std::string(e.what()).find("ends inside an event line"), std::string::npos) << e.what();
}

TEST(PerfScriptReaderErrors, TextWithoutAnyRecord) {
  ParseError e = read_error("main;foo;bar 12\nmain;foo 3\n");
  EXPECT_EQ(e.line(), 1u);
  EXPECT_NE(std::string(e.what()).find("no perf script record found"), std::string::npos) << e.what();
}

TEST(PerfScriptReaderErrors, TruncatedGzip) {
  std::ifstream f(shared_data("perf-script/example-perf-stacks.txt.gz"), std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(gz.size(), 1000u);
  for (unsigned threads : {1u, 2u}) {
    ReadOptions o;
    o.threads = threads;
    auto in = InputSource::from_memory("cut.txt.gz", gz.substr(0, gz.size() / 2));
    try {
      read_perf_script(*in, o);
      ADD_FAILURE() << "no ParseError";
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.txt.gz: byte"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("gzip"), std::string::npos) << e.what();
    }
  }
}

TEST(PerfScriptReaderErrors, NoRecordBoundaryInAHugeLine) {
  // A 70 MB line is not perf script, and the reader must not hold more than its block limit of it.
  ParseError e = read_error("a 1 1.0: cycles:\n\t1 f (/x)\n\n" + std::string(70u << 20, 'x'), 2);
  EXPECT_NE(std::string(e.what()).find("no record boundary"), std::string::npos) << e.what();
}

TEST(PerfScriptReaderWarnings, FirstFewThenACount) {
  std::string text = "a 1 [000] 1.0: 1 cycles:\n";
  for (int i = 0; i < 12; ++i) text += "\tnot a frame " + std::to_string(i) + "\n";
  text += "\t1 f (/x)\n\n";
  Read r = read_text(text);
  ASSERT_EQ(r.warnings.size(), 6u);
  EXPECT_NE(r.warnings[0].find("test.perf:2: skipped a line in a record"), std::string::npos)
      << r.warnings[0];
  EXPECT_NE(r.warnings[4].find("test.perf:6:"), std::string::npos) << r.warnings[4];
  EXPECT_EQ(r.warnings[5], "test.perf: 7 more lines skipped");
  EXPECT_EQ(write_folded(r.profile), "a;f 1\n");
}

}  // namespace
}  // namespace lambdascope::formats
