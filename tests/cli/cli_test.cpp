// The binary's contract, whatever the format: help with examples on every command, exit 2 and a one-line
// message naming the input on bad input, and no output file left behind.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace lambdascope::cli {
namespace {

namespace fs = std::filesystem;
using testing::binary_path;
using testing::run_command;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir(); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  std::string dir_;
};

TEST_F(Cli, EveryCommandHasHelpWithExamples) {
  auto top = run_command(binary_path() + " --help");
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"collapse", "convert", "flamegraph", "heatmap", "diff", "record", "local", "layer",
                          "extension", "pull", "merge"}) {
    auto r = run_command(binary_path() + " " + cmd + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << cmd << ": " << r.out;
    EXPECT_NE(top.out.find(cmd), std::string::npos) << cmd << " missing from the top-level help";
  }
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_command(binary_path()).exit_code, 2);
  EXPECT_EQ(run_command(binary_path() + " collapse").exit_code, 2);
  EXPECT_EQ(run_command(binary_path() + " convert --to nonsense x -o y").exit_code, 2);
}

// A repeatable option right before `--` takes one value: the command after `--` keeps its own options.
TEST_F(Cli, CommandAfterDoubleDashKeepsItsOptions) {
  // `local`: the events file is empty, so it stops after parsing, naming the events file (not the runtime's
  // options as unexpected arguments).
  std::string events = write("events.jsonl", "");
  auto r = run_command(binary_path() + " local --function " + dir_ + " --events " + events +
                       " --env A=B --env C=D -- java -XX:+Foo -cp x Main -XX:-UsePerfData");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find("not expected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no events"), std::string::npos) << r.err;
  // `record`: the command runs with its arguments.
  auto rec = run_command(binary_path() + " record -q --debug-dir " + dir_ + " -o " + dir_ +
                         "/out.folded -- sh -c 'echo ran' -x");
  EXPECT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_EQ(rec.out, "ran\n");
}

// A command killed by a signal: record exits as a shell would (128+N) and says so, so that a crash of the
// profiled program is not taken for one of lambdascope's (both give the same exit code). Ctrl-C stays silent.
TEST_F(Cli, RecordSaysWhichSignalKilledTheCommand) {
  auto term = run_command(binary_path() + " record -q -o " + dir_ + "/term.folded -- sh -c 'kill -TERM $$'");
  EXPECT_EQ(term.exit_code, 128 + SIGTERM) << term.err;
  EXPECT_NE(term.err.find("lambdascope: the command (pid "), std::string::npos) << term.err;
  EXPECT_NE(term.err.find(") was killed by signal 15 (Terminated)\n"), std::string::npos) << term.err;
  auto interrupt =
      run_command(binary_path() + " record -q -o " + dir_ + "/int.folded -- sh -c 'kill -INT $$'");
  EXPECT_EQ(interrupt.exit_code, 128 + SIGINT) << interrupt.err;
  EXPECT_EQ(interrupt.err.find("killed by signal"), std::string::npos) << interrupt.err;
}

TEST_F(Cli, BinaryGarbageIsRejectedWithOneLineAndNoOutput) {
  std::string in = write("garbage.bin", std::string("\x01\x02\x03\x04\xff\xfe\x00\x10garbage", 15));
  std::string out = dir_ + "/out.folded";
  auto r = run_command(binary_path() + " collapse " + in + " -o " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find("lambdascope: " + in + ": byte 0: unrecognized format"), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 1);
}

TEST_F(Cli, TruncatedGzipIsRejected) {
  // A gzip header and the start of a deflate stream, cut short.
  std::string cut("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c\x4a", 13);
  std::string in = write("cut.txt.gz", cut);
  std::string out = dir_ + "/out.pb.gz";
  auto r = run_command(binary_path() + " convert --to pprof " + in + " -o " + out);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("truncated gzip"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Cli, MissingInputNamesIt) {
  auto r = run_command(binary_path() + " collapse " + dir_ + "/nope.txt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir_ + "/nope.txt: cannot open"), std::string::npos) << r.err;
}

TEST_F(Cli, FoldedThroughStdinAndToAFile) {
  std::string in = write("in.folded", "a;b 2\na;c 3\na;b 1\n");
  auto r = run_command("cat " + in + " | " + binary_path() + " collapse -");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "a;b 3\na;c 3\n");
  std::string out = dir_ + "/o.folded";
  auto w = run_command(binary_path() + " convert --to folded " + in + " -o " + out);
  EXPECT_EQ(w.exit_code, 0) << w.err;
  std::ifstream f(out);
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "a;b 3\na;c 3\n");
}

TEST_F(Cli, ConvertTakesTheTimeRangeEndAsUntil) {
  std::string in = write("t.perf",
                         "app 1/1 [000] 10.100000: 1 cpu-clock:\n\t 1 early (/bin/app)\n\n"
                         "app 1/1 [000] 10.700000: 1 cpu-clock:\n\t 2 late (/bin/app)\n\n");
  std::string out = dir_ + "/o.folded";
  auto r = run_command(binary_path() + " convert --to folded --from 0.5 --until 1 " + in + " -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream f(out);
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "app;late 1\n");
  auto c = run_command(binary_path() + " collapse --from 0 --to 0.5 " + in);
  EXPECT_EQ(c.out, "app;early 1\n") << c.err;
}

TEST_F(Cli, FiltersApply) {
  std::string in = write("in.folded", "main;parse;read 2\nmain;render 3\nmain;parse 4\n");
  auto r = run_command(binary_path() + " collapse --include parse --exclude read " + in);
  EXPECT_EQ(r.out, "main;parse 4\n") << r.err;
  // A repeatable filter takes one value per use, so the input path after it stays an input.
  auto comm = run_command(binary_path() + " collapse --only-comm nobody " + in);
  EXPECT_EQ(comm.exit_code, 0) << comm.err;
  EXPECT_EQ(comm.out, "");
  auto bad = run_command(binary_path() + " collapse --include '(' " + in);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("regular expression"), std::string::npos) << bad.err;
  auto notime = run_command(binary_path() + " collapse --from 1 " + in);
  EXPECT_EQ(notime.exit_code, 2);
  EXPECT_NE(notime.err.find("timestamps"), std::string::npos) << notime.err;
}

}  // namespace
}  // namespace lambdascope::cli
