// The line parsers of `perf script` text, on the line shapes found in real outputs (the FlameGraph and
// inferno fixtures, research notes b.1) and on the malformed ones a reader must not misread.
#include <gtest/gtest.h>

#include "formats/perf_script_header.hpp"
#include "formats/perf_script_lines.hpp"
#include "formats/perf_script_symbols.hpp"

namespace lambdascope::formats::perf_script {
namespace {

EventLine event(std::string_view line) {
  EventLine e;
  EXPECT_TRUE(parse_event_line(line, &e)) << line;
  return e;
}

TEST(PerfEventLine, CommTidCpuTime) {
  EventLine e = event("swapper     0 [000] 158665.570607: cpu-clock:");
  EXPECT_EQ(e.comm, "swapper");
  EXPECT_EQ(e.pid, -1);
  EXPECT_EQ(e.tid, 0);
  EXPECT_EQ(e.cpu, 0);
  EXPECT_EQ(e.time_ns, 158665'570607'000);
  EXPECT_FALSE(e.has_period);
  EXPECT_EQ(e.event, "cpu-clock");
  EXPECT_EQ(e.trailing, "");
}

TEST(PerfEventLine, PeriodAndPidTid) {
  EventLine e = event("java 24636/25607 [011] 4794564.109216: 235 cpu-clock: ");
  EXPECT_EQ(e.comm, "java");
  EXPECT_EQ(e.pid, 24636);
  EXPECT_EQ(e.tid, 25607);
  EXPECT_EQ(e.cpu, 11);
  EXPECT_TRUE(e.has_period);
  EXPECT_EQ(e.period, 235u);
  EXPECT_EQ(e.event, "cpu-clock");
}

TEST(PerfEventLine, WidePidTidWithoutCpu) {
  EventLine e = event("bash 25370/25370 6035935.188539: cpu-clock:");
  EXPECT_EQ(e.pid, 25370);
  EXPECT_EQ(e.tid, 25370);
  EXPECT_EQ(e.cpu, -1);
  EventLine w = event("simple-terminat     9/9     198791.127353: cpu-clock: ");
  EXPECT_EQ(w.comm, "simple-terminat");
  EXPECT_EQ(w.pid, 9);
  EXPECT_EQ(w.tid, 9);
}

TEST(PerfEventLine, CommWithSpacesAndDigits) {
  EXPECT_EQ(event("V8 WorkerThread 24636/25607 [000] 94564.109216: cycles:").comm, "V8 WorkerThread");
  EXPECT_EQ(event("kworker/0:1 31 [001] 5.000001: cpu-clock:").comm, "kworker/0:1");
  EXPECT_EQ(event("python3.11 4021 614.4: cpu-clock:").comm, "python3.11");
  // A comm with a number word: the timestamp anchors the thread id (stackcollapse-perf.pl would take "2").
  EventLine e = event("Worker 2 1234 [003] 10.5: cpu-clock:");
  EXPECT_EQ(e.comm, "Worker 2");
  EXPECT_EQ(e.tid, 1234);
  EXPECT_EQ(e.cpu, 3);
}

TEST(PerfEventLine, EventModifiersAndPaddedPeriod) {
  EventLine e = event("vote   913    72.176760:     257597 cycles:uppp:");
  EXPECT_EQ(e.comm, "vote");
  EXPECT_EQ(e.tid, 913);
  EXPECT_EQ(e.period, 257597u);
  EXPECT_EQ(e.event, "cycles:uppp");
  EXPECT_EQ(event_base_name(e.event), "cycles");
  EXPECT_EQ(event_base_name("cpu-clock:uhH"), "cpu-clock");
  EXPECT_EQ(event_base_name("sched:sched_switch"), "sched:sched_switch");
}

TEST(PerfEventLine, TrailingFrameOfARecordWithoutCallchain) {
  EventLine e = event(
      "           false 64414 20110.539270:      34467 cycles:u:  ffffffff9aa3c8de [unknown] ([unknown])");
  EXPECT_EQ(e.comm, "false");
  EXPECT_EQ(e.event, "cycles:u");
  EXPECT_EQ(e.trailing, "ffffffff9aa3c8de [unknown] ([unknown])");
  FrameLine f;
  ASSERT_TRUE(parse_frame_line(e.trailing, &f));
  EXPECT_EQ(f.symbol, "[unknown]");
}

TEST(PerfEventLine, TracepointPayload) {
  EventLine e = event(
      "perf 1093 [002] 2193.423156: 1 sched:sched_switch: prev_comm=perf prev_pid=1093 prev_prio=120 "
      "prev_state=S ==> next_comm=swapper/2 next_pid=0 next_prio=120");
  EXPECT_EQ(e.event, "sched:sched_switch");
  EXPECT_EQ(e.period, 1u);
  EXPECT_TRUE(e.trailing.starts_with("prev_comm=perf"));
}

TEST(PerfEventLine, OldPerfWithoutTimestamp) {
  EventLine e = event("node-v011 31912 cpu-clock:");
  EXPECT_EQ(e.comm, "node-v011");
  EXPECT_EQ(e.tid, 31912);
  EXPECT_EQ(e.time_ns, profile::kNoTime);
  EXPECT_EQ(e.event, "cpu-clock");
  EXPECT_EQ(event("java 19983 cycles:").event, "cycles");
}

TEST(PerfEventLine, TimestampsAreExactNanoseconds) {
  // 6544038.708352 s is not representable as a double; the integer parse must not go through one.
  EXPECT_EQ(event("java 12688 [002] 6544038.708352: cpu-clock:").time_ns, 6544038'708352'000);
  EXPECT_EQ(event("a 1 [000] 4294967296.123456789: cycles:").time_ns, 4294967296'123456789);
  int64_t ns = 0;
  EXPECT_TRUE(parse_seconds_ns("0.000000001", &ns));
  EXPECT_EQ(ns, 1);
  EXPECT_TRUE(parse_seconds_ns("12.1234567891", &ns));  // picoseconds are truncated
  EXPECT_EQ(ns, 12'123456789);
  EXPECT_TRUE(parse_seconds_ns("7", &ns));
  EXPECT_EQ(ns, 7'000000000);
  EXPECT_FALSE(parse_seconds_ns("99999999999.5", &ns));  // past int64 nanoseconds
  EXPECT_FALSE(parse_seconds_ns("1.", &ns));
  EXPECT_FALSE(parse_seconds_ns("1.2x", &ns));
  EXPECT_FALSE(parse_seconds_ns("", &ns));
}

TEST(PerfEventLine, RejectsLinesThatAreNotEvents) {
  EventLine e;
  EXPECT_FALSE(parse_event_line("", &e));
  EXPECT_FALSE(parse_event_line("THIS_IS_A_WEIRD_LINE", &e));
  EXPECT_FALSE(parse_event_line("\t          401b94 main+0x1c (./inline-counter)", &e));
  EXPECT_FALSE(parse_event_line("main;foo;bar 12", &e));                // folded: the number ends the line
  EXPECT_FALSE(parse_event_line("comm 99999999999 1.5: cycles:", &e));  // not an int32 thread id
}

FrameLine frame(std::string_view line) {
  FrameLine f;
  EXPECT_TRUE(parse_frame_line(line, &f)) << line;
  return f;
}

TEST(PerfFrameLine, IndentedWithOffset) {
  FrameLine f = frame("\t    7f533952bc77 _dl_check_map_versions+0x597 (/usr/lib/ld-2.28.so)");
  EXPECT_EQ(f.address, "7f533952bc77");
  EXPECT_EQ(f.symbol, "_dl_check_map_versions+0x597");
  EXPECT_EQ(f.module, "/usr/lib/ld-2.28.so");
  EXPECT_EQ(strip_offset(f.symbol), "_dl_check_map_versions");
}

TEST(PerfFrameLine, NotIndentedSymbolsWithSpacesAndParentheses) {
  FrameLine f = frame(
      "7f7241fbe6d8 arrayOopDesc::base(BasicType) const "
      "(/home/x/jdk1.8.0_112/jre/lib/amd64/server/libjvm.so)");
  EXPECT_EQ(f.symbol, "arrayOopDesc::base(BasicType) const");
  EXPECT_EQ(f.module, "/home/x/jdk1.8.0_112/jre/lib/amd64/server/libjvm.so");
}

TEST(PerfFrameLine, EmptySymbolIsOneSpace) {
  FrameLine f = frame("\t    7f1e2215d058  (/lib/x86_64-linux-gnu/libc-2.15.so)");
  EXPECT_EQ(f.symbol, " ");
  EXPECT_EQ(f.module, "/lib/x86_64-linux-gnu/libc-2.15.so");
}

TEST(PerfFrameLine, ModuleWithParentheses) {
  FrameLine f = frame("\t    7f00deadbeef [unknown] (/usr/lib/libfoo.so (deleted))");
  EXPECT_EQ(f.symbol, "[unknown]");
  EXPECT_EQ(f.module, "/usr/lib/libfoo.so (deleted)");
}

TEST(PerfFrameLine, UnknownAndInlineChains) {
  FrameLine u = frame("\t5966605dd52f8e00 [unknown] ([unknown])");
  EXPECT_EQ(u.symbol, "[unknown]");
  EXPECT_EQ(u.module, "[unknown]");
  FrameLine c = frame(
      "    7f89cc45ff92 Lsun/nio/cs/StreamEncoder;::flushBuffer->Ljava/io/PrintStream;::write+0x262 "
      "(/tmp/perf-10487.map)");
  EXPECT_EQ(c.symbol, "Lsun/nio/cs/StreamEncoder;::flushBuffer->Ljava/io/PrintStream;::write+0x262");
}

TEST(PerfFrameLine, RejectsPartialAndOtherLines) {
  FrameLine f;
  EXPECT_FALSE(parse_frame_line("\t    7f92bd", &f));                    // cut inside the line
  EXPECT_FALSE(parse_frame_line("\t    7f92bd main+0x1 (/usr/li", &f));  // cut inside the DSO
  EXPECT_FALSE(parse_frame_line("java 12688 [002] 6544038.708352: cpu-clock:", &f));
  EXPECT_FALSE(parse_frame_line("  file.c:137", &f));
  EXPECT_FALSE(parse_frame_line("(/lib/x.so)", &f));
  // Without an address only when asked (perf script -F without ip).
  EXPECT_FALSE(parse_frame_line("\tmain (/bin/x)", &f));
  ASSERT_TRUE(parse_frame_line("\tmain (/bin/x)", &f, true));
  EXPECT_EQ(f.symbol, "main");
  EXPECT_EQ(f.address, "");
}

TEST(PerfSrcline, FileLineAndAddressForms) {
  std::string_view file;
  uint32_t line = 99;
  ASSERT_TRUE(parse_srcline("  uniform_int_dist.h:300", &file, &line));
  EXPECT_EQ(file, "uniform_int_dist.h");
  EXPECT_EQ(line, 300u);
  ASSERT_TRUE(parse_srcline("  libc-2.33.so[27b25]", &file, &line));
  EXPECT_EQ(file, "");
  EXPECT_EQ(line, 0u);
  EXPECT_TRUE(parse_srcline("  [kernel.kallsyms][ffffffff814f9302]", &file, &line));
  EXPECT_TRUE(parse_srcline("  ??:0", &file, &line));
  EXPECT_EQ(file, "");
  EXPECT_FALSE(parse_srcline("\t          THIS_IS_A_WEIRD_LINE", &file, &line));
  EXPECT_FALSE(parse_srcline("\t    7f92bd", &file, &line));
  EXPECT_FALSE(parse_srcline("file.c:12", &file, &line));  // not indented
  EXPECT_FALSE(parse_srcline("  a b:12", &file, &line));
}

TEST(PerfHeader, KeysValuesAndEvents) {
  Header h;
  h.add_line("# ========");
  h.add_line("# captured on: Thu Aug 17 14:14:43 2017");
  h.add_line("# hostname : bgregg-test");
  h.add_line("# cmdline : /usr/bin/perf record -F 99 -a -g -- sleep 30 ");
  h.add_line(
      "# event : name = cpu-clock, , type = 1, size = 112, { sample_period, sample_freq } = 999, "
      "sample_type = IP|TID|TIME|CALLCHAIN|PERIOD, disabled = 1, freq = 1, enable_on_exec = 1");
  h.add_line(
      "# event : name = instructions, , id = { 558, 559 }, size = 112, config = 0x1, { sample_period, "
      "sample_freq } = 100000000, sample_type = IP|TID");
  h.add_line("# time of first sample : 12184.494971");
  h.add_line("# time of last sample : 12184.495496");
  h.add_line("# CPU_TOPOLOGY info available, use -I to display");
  auto attr = [&](std::string_view k) -> std::string {
    for (const auto& [key, value] : h.attributes)
      if (key == k) return value;
    return "<absent>";
  };
  EXPECT_EQ(attr(profile::attr::kCapturedOn), "Thu Aug 17 14:14:43 2017");
  EXPECT_EQ(attr(profile::attr::kHostname), "bgregg-test");
  EXPECT_EQ(attr(profile::attr::kCommand), "/usr/bin/perf record -F 99 -a -g -- sleep 30");
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[0].name, "cpu-clock");
  EXPECT_EQ(h.events[0].value, 999u);
  EXPECT_TRUE(h.events[0].freq);
  EXPECT_EQ(h.events[1].value, 100000000u);
  EXPECT_FALSE(h.events[1].freq);
  EXPECT_EQ(h.find_event("instructions"), &h.events[1]);
  EXPECT_EQ(h.first_sample_ns, 12184'494971'000);
  EXPECT_EQ(h.last_sample_ns, 12184'495496'000);
}

}  // namespace
}  // namespace lambdascope::formats::perf_script
