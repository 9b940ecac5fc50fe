#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "lambda/extension/config.hpp"
#include "lambda/extension/ring_directory.hpp"
#include "support/test_support.hpp"

namespace lambdascope::lambda::extension {
namespace {

EnvLookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

bool mentions(const ExtensionConfig& c, const std::string& needle) {
  for (const auto& w : c.warnings)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

TEST(ExtensionConfig, DefaultsWithNothingSet) {
  ExtensionConfig c =
      load_config(env_of({{"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"}, {"AWS_LAMBDA_FUNCTION_NAME", "fn"}}));
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.flush, FlushMode::kBackground);
  EXPECT_EQ(c.sample_rate, 1.0);
  EXPECT_EQ(c.min_duration_ms, 0.0);
  EXPECT_EQ(c.destination, "file:///tmp/lambdascope");
  EXPECT_EQ(c.spool_bytes, 64ull << 20);
  EXPECT_FALSE(c.debug);
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.function_name, "fn");
  EXPECT_EQ(c.inbox_dir, "/tmp/lambdascope/inbox");
  EXPECT_EQ(c.ring_dir, "/tmp/lambdascope-rings/" + std::to_string(posix_cksum("127.0.0.1:9001 fn")));
  EXPECT_EQ(c.spool_dir, "/tmp/lambdascope-spool/" + std::to_string(posix_cksum("127.0.0.1:9001 fn")));
}

TEST(ExtensionConfig, GoodValuesAreTaken) {
  ExtensionConfig c = load_config(env_of({{"LAMBDASCOPE_FLUSH", "shutdown"},
                                          {"LAMBDASCOPE_SAMPLE_RATE", "0.25"},
                                          {"LAMBDASCOPE_MIN_DURATION_MS", "150"},
                                          {"LAMBDASCOPE_DEBUG", "1"},
                                          {"LAMBDASCOPE_SPOOL_MB", "8"},
                                          {"LAMBDASCOPE_SPOOL_DIR", "/tmp/s"},
                                          {"LAMBDASCOPE_RING_DIR", "/tmp/r"},
                                          {"LAMBDASCOPE_DESTINATION", "s3://bucket/p"},
                                          {"LAMBDASCOPE_ENABLED", "0"}}));
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.flush, FlushMode::kShutdown);
  EXPECT_EQ(c.sample_rate, 0.25);
  EXPECT_EQ(c.min_duration_ms, 150.0);
  EXPECT_TRUE(c.debug);
  EXPECT_EQ(c.spool_bytes, 8ull << 20);
  EXPECT_EQ(c.spool_dir, "/tmp/s");
  EXPECT_EQ(c.ring_dir, "/tmp/r");
  EXPECT_EQ(c.destination, "s3://bucket/p");
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(load_config(env_of({{"LAMBDASCOPE_FLUSH", "invoke"}})).flush, FlushMode::kInvoke);
}

TEST(ExtensionConfig, BadValuesSayWhatWasWrongAndKeepTheDefault) {
  ExtensionConfig c = load_config(env_of({{"LAMBDASCOPE_FLUSH", "sometimes"},
                                          {"LAMBDASCOPE_SAMPLE_RATE", "1.5"},
                                          {"LAMBDASCOPE_MIN_DURATION_MS", "-3"},
                                          {"LAMBDASCOPE_DEBUG", "verbose"},
                                          {"LAMBDASCOPE_SPOOL_MB", "lots"}}));
  EXPECT_EQ(c.warnings.size(), 5u);
  EXPECT_EQ(c.flush, FlushMode::kBackground);
  EXPECT_EQ(c.sample_rate, 1.0);
  EXPECT_EQ(c.min_duration_ms, 0.0);
  EXPECT_FALSE(c.debug);
  EXPECT_EQ(c.spool_bytes, 64ull << 20);
  EXPECT_TRUE(
      mentions(c,
               "LAMBDASCOPE_FLUSH='sometimes' is not valid (expected background, invoke or shutdown); "
               "using background"));
  EXPECT_TRUE(mentions(c, "LAMBDASCOPE_SAMPLE_RATE='1.5'"));
  EXPECT_TRUE(mentions(c, "LAMBDASCOPE_MIN_DURATION_MS='-3'"));
  EXPECT_TRUE(mentions(c, "LAMBDASCOPE_SPOOL_MB='lots'"));
  EXPECT_EQ(load_config(env_of({{"LAMBDASCOPE_SAMPLE_RATE", "nan"}})).sample_rate, 1.0);
  EXPECT_EQ(load_config(env_of({{"LAMBDASCOPE_SAMPLE_RATE", "0.5x"}})).sample_rate, 1.0);
}

TEST(ExtensionConfig, ShutdownSymbolizeBudget) {
  EXPECT_LT(load_config(env_of({})).shutdown_symbolize_ms, 0);  // unset: three quarters of the writing time
  EXPECT_EQ(load_config(env_of({{"LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS", "0"}})).shutdown_symbolize_ms, 0.0);
  ExtensionConfig bad = load_config(env_of({{"LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS", "-1"}}));
  EXPECT_LT(bad.shutdown_symbolize_ms, 0);
  EXPECT_TRUE(mentions(bad, "LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS='-1'"));
}

TEST(ExtensionConfig, PythonFrames) {
  EXPECT_FALSE(load_config(env_of({})).python_interpreter_frames);
  EXPECT_FALSE(load_config(env_of({{"LAMBDASCOPE_PYTHON_FRAMES", "python"}})).python_interpreter_frames);
  EXPECT_TRUE(load_config(env_of({{"LAMBDASCOPE_PYTHON_FRAMES", "all"}})).python_interpreter_frames);
  ExtensionConfig bad = load_config(env_of({{"LAMBDASCOPE_PYTHON_FRAMES", "c"}}));
  EXPECT_FALSE(bad.python_interpreter_frames);
  EXPECT_TRUE(
      mentions(bad, "LAMBDASCOPE_PYTHON_FRAMES='c' is not valid (expected python or all); using python"));
}

// The wrapper (POSIX sh) names the ring folder with `cksum`; the extension must compute the same number.
TEST(RingDirectory, MatchesPosixCksum) {
  for (std::string text : {std::string(""), std::string("a"), std::string("127.0.0.1:9001 my-function"),
                           std::string(300, 'x')}) {
    std::string cmd = "printf '%s' '" + text + "' | cksum";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    unsigned long expected = 0;
    ASSERT_EQ(std::fscanf(p, "%lu", &expected), 1);
    ::pclose(p);
    EXPECT_EQ(posix_cksum(text), expected) << "'" << text << "'";
  }
}

TEST(RingDirectory, TheWrapperAndTheExtensionAgree) {
  // The real wrapper, laid out as in the layer, runs `printenv` with the variables both processes see.
  const char* source = std::getenv("LS_SOURCE_DIR");
  const char* binary = std::getenv("LS_BINARY");
  ASSERT_TRUE(source != nullptr && binary != nullptr) << "run through ctest";
  testing::TempDir temp;
  const std::string dir = temp.path;
  std::string agent = std::filesystem::path(binary).parent_path() / "liblambdascope-agent.so";
  std::string setup = "mkdir -p " + dir + "/lib && cp " + source + "/src/lambda/layer/lambdascope-wrapper " +
                      dir + "/ && ln -s " + agent + " " + dir + "/lib/liblambdascope-agent.so";
  ASSERT_EQ(std::system(setup.c_str()), 0);
  auto ring_dir_of = [&](const std::string& extra) {
    auto r = testing::run_command(
        "env -u LAMBDASCOPE_RING_DIR AWS_LAMBDA_RUNTIME_API=127.0.0.1:45678 "
        "AWS_LAMBDA_FUNCTION_NAME=fn-1 LAMBDASCOPE_MODE=off " +
        extra + " " + dir + "/lambdascope-wrapper printenv LAMBDASCOPE_RING_DIR");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.empty() ? r.out : r.out.substr(0, r.out.size() - 1);
  };
  std::string expected = ring_directory("", "127.0.0.1:45678", "fn-1");
  EXPECT_EQ(ring_dir_of(""), expected);
  // The wrapper creates the folder it names: a custom one inside the test's own folder.
  const std::string custom = dir + "/custom-rings";
  EXPECT_EQ(ring_dir_of("LAMBDASCOPE_RING_DIR=" + custom), custom);
  EXPECT_EQ(ring_directory(custom, "127.0.0.1:45678", "fn-1"), custom);
  // The default is fixed under /tmp: its folder goes, and its parent if nothing else (a real extension) uses
  // it.
  std::filesystem::remove_all(expected);
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(expected).parent_path(), ec);
}

TEST(ExtensionConfig, TheInboxFolderComesFromLambdascopeInbox) {
  ExtensionConfig c = load_config(env_of({{"LAMBDASCOPE_INBOX", "/tmp/my-inbox"}}));
  EXPECT_EQ(c.inbox_dir, "/tmp/my-inbox");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(load_config(env_of({{"LAMBDASCOPE_INBOX", ""}})).inbox_dir, "/tmp/lambdascope/inbox");
}

}  // namespace
}  // namespace lambdascope::lambda::extension
