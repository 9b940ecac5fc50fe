// Symbols, debug files and DWARF of the fixture library (tests/symbolize/fixtures), built with the tests:
// the full library, stripped copies whose debug file is found by .gnu_debuglink and by build id, and one with
// no debug file at all.
#include "symbolize/elf_symbols.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "symbolize/demangle.hpp"
#include "symbolize/dwarf_source.hpp"

namespace lambdascope::symbolize {
namespace {

std::string fixture(const std::string& relative) {
  return std::string(LS_SYMBOLIZE_FIXTURES) + "/" + relative;
}

// Address of a function in the fixture's own numbering (the library's vaddr), found by loading it.
uint64_t vaddr_of(const char* symbol, const std::string& library = "libfixture.so") {
  void* h = dlopen(fixture(library).c_str(), RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(h, nullptr) << dlerror();
  void* p = dlsym(h, symbol);
  Dl_info info;
  dladdr(p, &info);
  return reinterpret_cast<uint64_t>(p) - reinterpret_cast<uint64_t>(info.dli_fbase);
}

int line_of(const std::string& marker) {
  const char* root = std::getenv("LS_SOURCE_DIR");
  EXPECT_NE(root, nullptr) << "run through ctest";
  std::ifstream in(std::string(root ? root : ".") + "/tests/symbolize/fixtures/fixture.cpp");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(marker) != std::string::npos) return n;
  return -1;
}

std::string name_at(const ElfSymbols& s, uint64_t vaddr) {
  const ElfSymbol* sym = s.find(vaddr);
  return sym ? demangle(s.name(*sym)) : "";
}

TEST(ElfSymbols, FullLibrary) {
  std::string error;
  auto s = ElfSymbols::load(fixture("libfixture.so"), {}, &error);
  ASSERT_NE(s, nullptr) << error;
  EXPECT_STREQ(s->symbol_source(), "symtab");
  EXPECT_EQ(s->build_id().size(), 40u);
  uint64_t alpha = vaddr_of("_ZN7fixture5alphaEm");
  uint64_t beta = vaddr_of("fixture_beta");
  EXPECT_EQ(name_at(*s, alpha), "fixture::alpha(unsigned long)");
  EXPECT_EQ(name_at(*s, alpha + 4), "fixture::alpha(unsigned long)");
  EXPECT_EQ(name_at(*s, beta), "fixture_beta");
  uint64_t v;
  ASSERT_TRUE(s->offset_to_vaddr(alpha, &v));  // .text's offset equals its address in this small library
  EXPECT_FALSE(s->offset_to_vaddr(1ull << 40, &v));
  EXPECT_EQ(ElfSymbols::load("/nonexistent", {}, &error), nullptr);
}

TEST(ElfSymbols, StrippedWithDebuglink) {
  std::string error;
  auto s = ElfSymbols::load(fixture("stripped/libfixture.so"), {}, &error);
  ASSERT_NE(s, nullptr) << error;
  EXPECT_STREQ(s->symbol_source(), "debug symtab");
  EXPECT_EQ(s->debug_file(), fixture("stripped/.debug/libfixture.so.debug"));
  EXPECT_EQ(name_at(*s, vaddr_of("_ZN7fixture5alphaEm")), "fixture::alpha(unsigned long)");
}

TEST(ElfSymbols, StrippedWithDebugFileByBuildId) {
  std::string error;
  auto s = ElfSymbols::load(fixture("buildid/libfixture.so"), {fixture("debugroot")}, &error);
  ASSERT_NE(s, nullptr) << error;
  EXPECT_STREQ(s->symbol_source(), "debug symtab");
  EXPECT_NE(s->debug_file().find("/.build-id/"), std::string::npos);
  EXPECT_EQ(name_at(*s, vaddr_of("_ZN7fixture5alphaEm")), "fixture::alpha(unsigned long)");
  // Without the debug directory only the dynamic symbols are left: exported functions, not local ones.
  auto bare = ElfSymbols::load(fixture("bare/libfixture.so"), {fixture("nowhere")}, &error);
  ASSERT_NE(bare, nullptr);
  EXPECT_STREQ(bare->symbol_source(), "dynsym");
  EXPECT_EQ(name_at(*bare, vaddr_of("fixture_beta")), "fixture_beta");
  EXPECT_EQ(bare->build_id(), s->build_id());
}

// Somewhere in alpha is the inlined helper's loop: innermost frame the helper, then alpha at the call.
void expect_inline_frame_in_alpha(const std::string& library, const std::string& dwarf_file) {
  std::string error;
  auto s = ElfSymbols::load(fixture(library), {}, &error);
  ASSERT_NE(s, nullptr) << error;
  auto dwarf = DwarfSource::open(dwarf_file.empty() ? s->dwarf_file() : dwarf_file);
  ASSERT_NE(dwarf, nullptr);
  uint64_t alpha = vaddr_of("_ZN7fixture5alphaEm", library);
  const ElfSymbol* sym = s->find(alpha);
  ASSERT_NE(sym, nullptr);
  bool found_inline = false;
  for (uint64_t a = alpha; a < alpha + sym->size && !found_inline; ++a) {
    auto frames = dwarf->lookup(a);
    if (frames.size() == 2 && frames[0].inlined) {
      found_inline = true;
      EXPECT_EQ(demangle(frames[0].function), "fixture::inlined_helper(unsigned long)");
      EXPECT_EQ(frames[0].line, static_cast<uint32_t>(line_of("FIXTURE_INLINE_LINE")));
      EXPECT_FALSE(frames[1].inlined);
      EXPECT_EQ(frames[1].line, static_cast<uint32_t>(line_of("FIXTURE_ALPHA_LINE")));
      EXPECT_NE(frames[1].file.find("fixture.cpp"), std::string::npos);
    }
  }
  EXPECT_TRUE(found_inline) << library;
}

TEST(DwarfSource, LinesAndInlineFrames) {
  expect_inline_frame_in_alpha("stripped/libfixture.so", "");
  EXPECT_EQ(DwarfSource::open(fixture("bare/libfixture.so")), nullptr);
}

// clang (and rustc) write no .debug_aranges, which libdw needs to find an address's unit, and put functions
// inside their namespace's DIE, where libdw's scope search does not look: lines and inline frames all the
// same.
TEST(DwarfSource, ClangBuiltLibraryHasLinesAndInlineFrames) {
  const std::string path = fixture("clang/libfixture.so");
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " missing: clang++ is needed to build it (make setup installs clang)";
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(bytes.find(".debug_info"), std::string::npos);
  EXPECT_EQ(bytes.find(".debug_aranges"), std::string::npos) << "the case this test is for: no aranges";
  expect_inline_frame_in_alpha("clang/libfixture.so", path);
}

}  // namespace
}  // namespace lambdascope::symbolize
