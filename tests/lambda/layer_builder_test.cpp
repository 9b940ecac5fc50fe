// What `lambdascope layer` decides to bundle: ldd's output parsed, glibc's libraries and the C++ runtime
// recognized, and the plan for this build's own binary.
#include "lambda/layer/layer_builder.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

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

}  // namespace
}  // namespace lambdascope::lambda::layer
