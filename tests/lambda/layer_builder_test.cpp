// What `lambdascope layer` decides to bundle: ldd's output parsed, glibc's libraries and the C++ runtime
// recognized, and the plan for this build's own binary.
#include "lambda/layer/layer_builder.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "lambda/layer/glibc_requirements.hpp"
#include "lambda/layer/layer_scripts.hpp"

namespace lambdascope::lambda::layer {
namespace {

TEST(LayerBuilder, ParsesLddOutput) {
  const char* text =
      "\tlinux-vdso.so.1 (0x00007ffd5a1f2000)\n"
      "\tlibdw.so.1 => /lib/x86_64-linux-gnu/libdw.so.1 (0x00007f80a0b03000)\n"
      "\tlibweird name.so.2 => /opt/with space/libweird name.so.2 (0x00007f80a0b03000)\n"
      "\tlibgone.so.3 => not found\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f80a0bc0000)\n";
  auto libs = parse_ldd_output(text);
  ASSERT_EQ(libs.size(), 3u);
  EXPECT_EQ(libs[0].soname, "libdw.so.1");
  EXPECT_EQ(libs[0].path, "/lib/x86_64-linux-gnu/libdw.so.1");
  EXPECT_EQ(libs[1].soname, "libweird name.so.2");
  EXPECT_EQ(libs[1].path, "/opt/with space/libweird name.so.2");
  EXPECT_EQ(libs[2].soname, "libgone.so.3");
  EXPECT_EQ(libs[2].path, "");
}

TEST(LayerBuilder, KnowsGlibcAndTheCxxRuntime) {
  for (const char* s : {"libc.so.6", "libm.so.6", "libpthread.so.0", "ld-linux-x86-64.so.2", "libdl.so.2",
                        "librt.so.1", "libresolv.so.2", "libnss_files.so.2"}) {
    EXPECT_TRUE(is_glibc_library(s)) << s;
  }
  for (const char* s : {"libcurl.so.4", "libz.so.1", "libcrypt.so.1", "libcrypto.so.3", "libmagic.so.1"}) {
    EXPECT_FALSE(is_glibc_library(s)) << s;
  }
  EXPECT_TRUE(is_cxx_runtime_library("libstdc++.so.6"));
  EXPECT_TRUE(is_cxx_runtime_library("libgcc_s.so.1"));
  EXPECT_FALSE(is_cxx_runtime_library("libgcc.so"));
}

TEST(LayerBuilder, ScriptsAreEmbedded) {
  EXPECT_EQ(extension_launcher_script().substr(0, 10), "#!/bin/sh\n");
  EXPECT_NE(extension_launcher_script().find("lambdascope/bin/lambdascope\" extension"),
            std::string_view::npos);
  EXPECT_EQ(exec_wrapper_script().substr(0, 10), "#!/bin/sh\n");
  EXPECT_NE(exec_wrapper_script().find("liblambdascope-agent.so"), std::string_view::npos);
}

TEST(LayerBuilder, MissingInputIsAnError) {
  LayerOptions o;
  o.binary = "/nonexistent/lambdascope";
  o.agent = "/nonexistent/liblambdascope-agent.so";
  try {
    plan_layer(o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/lambdascope"), std::string::npos) << e.what();
  }
}

TEST(LayerBuilder, PlansThisMachinesLibrariesWithoutGlibc) {
  LayerOptions o;
  o.binary = "/bin/ls";  // any dynamic executable; Debian's needs libselinux and libpcre2 besides libc
  o.agent = "/bin/ls";
  LayerPlan plan = plan_layer(o);
  std::set<std::string> names;
  for (const auto& e : plan.entries) names.insert(e.name);
  EXPECT_TRUE(names.count("extensions/lambdascope"));
  EXPECT_TRUE(names.count("lambdascope-wrapper"));
  EXPECT_TRUE(names.count("lib/liblambdascope-agent.so"));
  EXPECT_TRUE(names.count("lambdascope/bin/lambdascope"));
  EXPECT_FALSE(names.count("lambdascope/lib/libc.so.6"));
  EXPECT_TRUE(names.count("lambdascope/lib/libselinux.so.1"));
}

TEST(LayerBuilder, RefusesABinaryThatNeedsTheSharedCxxRuntime) {
  // This test program links Debian's libstdc++.so.6, as lambdascope does when the Debian sources of simdjson
  // and cpp-httplib were not fetched: a layer of it would not load on Lambda, so planning one is an error.
  LayerOptions o;
  o.binary = std::filesystem::read_symlink("/proc/self/exe").string();
  o.agent = "/bin/ls";
  try {
    plan_layer(o);
    FAIL() << "a layer was planned for a binary that needs libstdc++.so.6";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(o.binary), std::string::npos) << what;
    EXPECT_NE(what.find("libstdc++.so.6"), std::string::npos) << what;
    EXPECT_NE(what.find("scripts/fetch_debian_sources.sh"), std::string::npos) << what;
  }
}

TEST(LayerBuilder, WarnsAboutFilesNeedingANewerGlibc) {
  const char* newer = "/usr/lib/x86_64-linux-gnu/libexpat.so.1";  // Debian 12's needs GLIBC_2.36
  if (newest_glibc_required(newer) != "GLIBC_2.36") GTEST_SKIP() << newer << " is not Debian 12's";
  LayerPlan plan;
  plan.entries.push_back({"lambdascope/lib/libexpat.so.1", newer, "", 0644, false});
  plan.entries.push_back(
      {"lambdascope/lib/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "", 0644, false});
  std::vector<std::string> warnings;
  std::string zip = build_layer_zip(plan, &warnings);
  EXPECT_FALSE(zip.empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("lambdascope/lib/libexpat.so.1 requires GLIBC_2.36"), std::string::npos)
      << warnings[0];
}

TEST(GlibcRequirements, ParsesVersionNames) {
  EXPECT_EQ(parse_glibc_version("GLIBC_2.34"), (std::pair{2, 34}));
  EXPECT_EQ(parse_glibc_version("GLIBC_2.2.5"), (std::pair{2, 2}));
  EXPECT_FALSE(parse_glibc_version("GLIBC_PRIVATE"));
  EXPECT_FALSE(parse_glibc_version("GCC_3.0"));
  EXPECT_FALSE(parse_glibc_version("GLIBC_2.34x"));
  EXPECT_GT(*parse_glibc_version("GLIBC_2.36"), kLambdaGlibc);
  EXPECT_FALSE(*parse_glibc_version("GLIBC_2.34") > kLambdaGlibc);
}

// Checked against binutils' reading of the same files: the newest GLIBC_ in `objdump -p`'s version
// references.
TEST(GlibcRequirements, AgreesWithObjdump) {
  int compared = 0;
  for (const char* path :
       {"/bin/ls", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libexpat.so.1",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"}) {
    if (access(path, R_OK) != 0) continue;
    std::string command = std::string("objdump -p ") + path +
                          " | awk '/Version References/,0' | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1";
    FILE* p = popen(command.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char line[64] = {};
    std::string expected = fgets(line, sizeof line, p) != nullptr ? std::string(line) : "";
    pclose(p);
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    ASSERT_FALSE(expected.empty()) << "objdump read no version reference from " << path;
    EXPECT_EQ(newest_glibc_required(path), expected) << path;
    ++compared;
  }
  EXPECT_GE(compared, 2);
  EXPECT_THROW(newest_glibc_required("/nonexistent"), std::runtime_error);
  EXPECT_THROW(newest_glibc_required("/etc/hostname"), std::runtime_error);
}

}  // namespace
}  // namespace lambdascope::lambda::layer
