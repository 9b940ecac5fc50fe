#include "symbolize/demangle.hpp"

#include <gtest/gtest.h>

namespace lambdascope::symbolize {
namespace {

TEST(Demangle, Cxx) {
  EXPECT_EQ(demangle("_ZN7fixture5alphaEm"), "fixture::alpha(unsigned long)");
  EXPECT_EQ(demangle("_ZNSo5flushEv"), "std::ostream::flush()");
  EXPECT_EQ(demangle("main"), "main");
  EXPECT_EQ(demangle("_Z"), "_Z");
  EXPECT_EQ(demangle("_Zgarbage"), "_Zgarbage");  // not valid: unchanged
}

TEST(Demangle, RustLegacy) {
  EXPECT_EQ(demangle("_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write");
  EXPECT_EQ(demangle("_ZN5alloc3vec16Vec$LT$T$C$A$GT$4push17h61f4cf4b6a1d5df2E"),
            "alloc::vec::Vec<T,A>::push");
  EXPECT_EQ(demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h1111111111111111E"),
            "std::rt::lang_start::{{closure}}");
}

TEST(Demangle, RustV0) {
  EXPECT_EQ(demangle("_RNvCs1234_7mycrate3foo"), "mycrate::foo");
  EXPECT_EQ(demangle("_RNvNtCs1234_7mycrate3bar3baz"), "mycrate::bar::baz");
  EXPECT_EQ(demangle("_RNCNvCsgStHSCytQ6I_7mycrate4main0B3_"), "mycrate::main::{closure#0}");
  // Generic arguments, a basic type and an inherent impl.
  EXPECT_EQ(demangle("_RINvCs1234_7mycrate3fooiE"), "mycrate::foo::<isize>");
  EXPECT_EQ(demangle("_RNvMCs1234_7mycrateNtB2_3Foo3new"), "<mycrate::Foo>::new");
  EXPECT_EQ(demangle("_RNvCs1234_7mycrate3foo.llvm.123"), "mycrate::foo");
  std::string out;
  EXPECT_FALSE(demangle_rust_v0("_RZZZ", &out));
  EXPECT_FALSE(demangle_rust_v0("_RB_", &out));       // a back-reference to itself
  EXPECT_EQ(demangle("_RNvCs1234_"), "_RNvCs1234_");  // truncated: unchanged
}

}  // namespace
}  // namespace lambdascope::symbolize
