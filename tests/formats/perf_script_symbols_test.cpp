// stackcollapse-perf.pl's frame tidying and DSO kinds, rule by rule.
#include <gtest/gtest.h>

#include "formats/perf_script_symbols.hpp"

namespace lambdascope::formats::perf_script {
namespace {

using profile::FrameKind;

std::vector<TidiedFrame> tidy(std::string_view symbol, std::string_view module, TidyOptions o = {},
                              std::string_view address = "7f0012") {
  FrameLine f;
  f.address = address;
  f.symbol = symbol;
  f.module = module;
  std::vector<TidiedFrame> out;
  tidy_frame(f, o, &out);
  return out;
}

std::string name(std::string_view symbol, std::string_view module = "/usr/lib/x.so", TidyOptions o = {}) {
  auto frames = tidy(symbol, module, o);
  return frames.size() == 1 ? frames[0].name : "<" + std::to_string(frames.size()) + " frames>";
}

TEST(PerfTidy, OffsetsAreCut) {
  EXPECT_EQ(name("cpu_startup_entry+0x800047c022ec"), "cpu_startup_entry");
  EXPECT_EQ(name("main+0x1f"), "main");
  EXPECT_EQ(name("a+0xZZ"), "a+0xZZ");  // not hex
  EXPECT_EQ(name("a+0xAB"), "a+0xAB");  // the Perl script's offsets are lowercase
  EXPECT_EQ(name("x+0x"), "x+0x");
}

TEST(PerfTidy, ArgumentListsAreCut) {
  EXPECT_EQ(name("arrayOopDesc::base(BasicType) const"), "arrayOopDesc::base");
  EXPECT_EQ(name("JavaCalls::call_helper(JavaValue, methodHandle, JavaCallArguments, Thread)"),
            "JavaCalls::call_helper");
  EXPECT_EQ(name("Lorg/mozilla/javascript/ContextFactory;.call(Lorg/mozilla/javascript/ContextAction;)"),
            "Lorg/mozilla/javascript/ContextFactory:.call");
  // Kept: Go methods, (anonymous namespace), parentheses inside templates and lambdas.
  EXPECT_EQ(name("net/http.(*Client).Do"), "net/http.(*Client).Do");
  EXPECT_EQ(name("cmd/go/internal/load.(*Package).load"), "cmd/go/internal/load.(*Package).load");
  EXPECT_EQ(name("(anonymous namespace)::myBar()"), "<0 frames>");  // starts with '(': dropped, as in Perl
  EXPECT_EQ(name("ns::(anonymous namespace)::myBar(int)"), "ns::(anonymous namespace)::myBar");
  EXPECT_EQ(name("std::function<int (int, int)>::operator()(int, int) const"),
            "std::function<int (int, int)>::operator");
  EXPECT_EQ(name("std::_Function_handler<int (int, int), main::{lambda(int, "
                 "int)#1}>::_M_invoke(std::_Any_data const&, int&&, int&&)"),
            "std::_Function_handler<int (int, int), main::{lambda(int, int)#1}>::_M_invoke");
  EXPECT_EQ(name("std::endl<char, std::char_traits<char> >"), "std::endl<char, std::char_traits<char> >");
  // The '<' of an operator is not a bracket.
  EXPECT_EQ(name("std::operator<< <std::char_traits<char> >(std::ostream&, char const*)"),
            "std::operator<< <std::char_traits<char> >");
  EXPECT_EQ(name("Foo::operator<(Foo const&) const"), "Foo::operator<");
  EXPECT_EQ(name("Foo::operator>=(Foo const&)"), "Foo::operator>=");
}

TEST(PerfTidy, SemicolonsAndQuotes) {
  EXPECT_EQ(name("Ljava/io/PrintStream;::print"), "Ljava/io/PrintStream:::print");
  EXPECT_EQ(name("RegExp:[&<>\\\"\\']", "/tmp/perf-7539.map"), "RegExp:[&<>\\\\]");
  EXPECT_EQ(name("LazyCompile:~f 'x'"), "LazyCompile:~f x");
}

TEST(PerfTidy, JavaClassNamesLoseTheirLOnlyForJavaComms) {
  TidyOptions java{true, false};
  EXPECT_EQ(name("Ljava/io/PrintStream;::print", "/tmp/perf-1.map", java), "java/io/PrintStream:::print");
  EXPECT_EQ(name("LBusy;::main", "/tmp/perf-1.map", java), "LBusy:::main");  // no '/': kept
  EXPECT_EQ(name("Ljava/io/PrintStream;::print", "/tmp/perf-1.map"), "Ljava/io/PrintStream:::print");
}

TEST(PerfTidy, UnknownSymbolsUseTheModule) {
  EXPECT_EQ(name("[unknown]", "/lib/x86_64-linux-gnu/libpthread-2.19.so"), "[libpthread-2.19.so]");
  EXPECT_EQ(name("[unknown]", "[kernel.kallsyms]"), "[[kernel.kallsyms]]");
  EXPECT_EQ(name("[unknown]", "[unknown]"), "[unknown]");
  TidyOptions addrs{false, true};
  EXPECT_EQ(tidy("[unknown]", "[unknown]", addrs, "40")[0].name, "[unknown <40>]");
  EXPECT_EQ(tidy("[unknown]", "/bin/dd", addrs, "7f01")[0].name, "[dd <7f01>]");
  EXPECT_EQ(tidy("known", "/bin/dd", addrs, "7f01")[0].name, "known");
  // A module with " (deleted)" keeps it: the parenthesis is inside the brackets.
  EXPECT_EQ(name("[unknown]", "/usr/lib/libfoo.so (deleted)"), "[libfoo.so (deleted)]");
}

TEST(PerfTidy, InlineChainsAreOutermostFirstAndMarked) {
  auto f = tidy("Ljava/io/PrintStream;::println->Ljava/io/PrintStream;::newLine->Lx/Y;::z+0x0",
                "/tmp/perf-10487.map", {true, false});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "java/io/PrintStream:::println");
  EXPECT_EQ(f[0].kind, FrameKind::kJit);
  EXPECT_EQ(f[1].name, "java/io/PrintStream:::newLine_[i]");
  EXPECT_EQ(f[1].kind, FrameKind::kInlined);
  EXPECT_EQ(f[2].name, "x/Y:::z_[i]");
  EXPECT_EQ(tidy("a->b_[i]", "/x")[1].name, "b_[i]");  // not marked twice
  EXPECT_EQ(tidy("a->", "/x").size(), 1u);             // Perl's split drops trailing empty fields
  EXPECT_EQ(tidy("->a", "/x").size(), 2u);
}

TEST(PerfTidy, ProcessNamesInParenthesesAreDropped) {
  EXPECT_TRUE(tidy("(/usr/bin/x)", "/usr/bin/x").empty());
}

TEST(PerfModuleKind, KernelJitInlinedNative) {
  EXPECT_EQ(classify_module("[kernel.kallsyms]"), FrameKind::kKernel);
  EXPECT_EQ(classify_module("[nf_conntrack_ipv4]"), FrameKind::kKernel);
  EXPECT_EQ(classify_module("[vdso]"), FrameKind::kKernel);  // as the Perl script's ^\[ has it
  EXPECT_EQ(classify_module("[unknown]"), FrameKind::kNative);
  EXPECT_EQ(classify_module("/lib/modules/4.3.0-rc1-virtual/build/vmlinux"), FrameKind::kKernel);
  EXPECT_EQ(classify_module("/usr/lib/debug/boot/vmlinux-5.4.14-cloudflare-2020.1.11"), FrameKind::kKernel);
  EXPECT_EQ(classify_module("/lib/modules/5.4.14/kernel/drivers/net/mlx5_core.ko"), FrameKind::kKernel);
  EXPECT_EQ(classify_module("/tmp/perf-11936.map"), FrameKind::kJit);
  EXPECT_EQ(classify_module("/tmp/jitted-31714-4145673320.so"), FrameKind::kJit);
  EXPECT_EQ(classify_module("[JIT] tid 1234"), FrameKind::kJit);
  EXPECT_EQ(classify_module("inlined"), FrameKind::kInlined);
  EXPECT_EQ(classify_module("/usr/lib/x86_64-linux-gnu/libc.so.6"), FrameKind::kNative);
  EXPECT_EQ(classify_module("/tmp/perf-x.map"), FrameKind::kNative);
  EXPECT_EQ(classify_module("bpf_prog_2b956549c660136a_uni_l4lb"), FrameKind::kNative);
}

TEST(PerfEventNames, CpuTime) {
  EXPECT_TRUE(is_cpu_time_event("cpu-clock"));
  EXPECT_TRUE(is_cpu_time_event("task-clock"));
  EXPECT_FALSE(is_cpu_time_event("cycles"));
}

}  // namespace
}  // namespace lambdascope::formats::perf_script
