// `lambdascope flamegraph | heatmap | diff` as a user runs them: help, errors (exit 2, one line, no output
// file left behind) and the outputs. Inputs are generated here; the shared data is read by the e2e script
// once the readers are merged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace lambdascope::cli {
namespace {

using lambdascope::testing::binary_path;
using lambdascope::testing::CommandResult;
using lambdascope::testing::make_temp_dir;
using lambdascope::testing::run_command;

class RenderCommands : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path(name)) << content;
    return path(name);
  }
  CommandResult run(const std::string& args) const { return run_command(binary_path() + " " + args); }
  // The command failed as bad input must: exit 2, one line naming the problem (CLI11 adds "Run with --help"
  // to usage errors), no output file.
  void expect_rejected(const std::string& args, const std::string& message, const std::string& output) const {
    CommandResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    std::string first = r.err.substr(0, r.err.find('\n'));
    EXPECT_NE(first.find(message), std::string::npos) << r.err;
    std::string rest = r.err.substr(first.size());
    EXPECT_TRUE(rest == "\n" || rest == "\nRun with --help for more information.\n") << r.err;
    EXPECT_FALSE(std::filesystem::exists(output)) << output;
  }

  std::string dir_;
};

TEST_F(RenderCommands, HelpHasExamples) {
  for (const char* cmd : {"flamegraph", "heatmap", "diff"}) {
    CommandResult r = run(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("lambdascope " + std::string(cmd)), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("--only-pid"), std::string::npos) << cmd;  // the shared filters
  }
  CommandResult fg = run("flamegraph --help");
  for (const char* option :
       {"--title", "--subtitle", "--width", "--height", "--minwidth", "--colors", "--hash", "--countname",
        "--nametype", "--inverted", "--reverse", "--flamechart", "--negate", "--weight", "--output-format"})
    EXPECT_NE(fg.out.find(option), std::string::npos) << option;
  CommandResult diff = run("diff --help");
  for (const char* option : {"--normalize", "--absolute", "--folded", "--strip-hex", "--base-shape"})
    EXPECT_NE(diff.out.find(option), std::string::npos) << option;
  CommandResult heat = run("heatmap --help");
  for (const char* option : {"--rows", "--keep-idle", "--column-seconds", "--weight"})
    EXPECT_NE(heat.out.find(option), std::string::npos) << option;
}

TEST_F(RenderCommands, EmptyInputIsAnErrorWithNoOutput) {
  std::string empty = write("empty.txt", "");
  expect_rejected("flamegraph " + empty + " -o " + path("f.html"), "no samples", path("f.html"));
  expect_rejected("flamegraph " + empty + " -o " + path("f.svg"), "no samples", path("f.svg"));
  expect_rejected("heatmap " + empty + " -o " + path("h.html"), "no samples", path("h.html"));
  expect_rejected("diff " + empty + " " + empty + " -o " + path("d.html"), "no samples", path("d.html"));
}

TEST_F(RenderCommands, BadArgumentsExitTwo) {
  std::string empty = write("empty.txt", "");
  expect_rejected("flamegraph " + path("missing.txt") + " -o " + path("f.svg"), "missing.txt", path("f.svg"));
  expect_rejected("heatmap --rows 0 " + empty + " -o " + path("h.html"), "--rows", path("h.html"));
  expect_rejected("heatmap --rows -3 " + empty + " -o " + path("h.html"), "--rows", path("h.html"));
  expect_rejected("heatmap " + empty + " -o " + path("h.svg"), "HTML page", path("h.svg"));
  expect_rejected("flamegraph " + empty + " -o " + path("f.png"), "--output-format", path("f.png"));
  expect_rejected("flamegraph --colors chartreuse " + empty + " -o " + path("f.svg"), "--colors",
                  path("f.svg"));
  expect_rejected("diff " + empty + " -o " + path("d.svg"), "two inputs", path("d.svg"));
  expect_rejected("diff --normalize --absolute " + empty + " " + empty + " -o " + path("d.svg"), "--absolute",
                  path("d.svg"));
}

}  // namespace
}  // namespace lambdascope::cli
