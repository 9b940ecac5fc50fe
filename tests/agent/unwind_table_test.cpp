// The .eh_frame tables against elfutils' own reading of the same CFI, address by address, over the libraries
// that matter most (Debian's libc and libstdc++, built without frame pointers); and the parser against
// garbage.
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libelf.h>
#include <link.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "agent/code_cache.hpp"
#include "agent/unwind_table.hpp"

namespace lambdascope::agent {
namespace {

std::string hex(uintptr_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(v));
  return buf;
}

struct Comparison {
  size_t compared = 0;
  size_t agreed = 0;
  size_t expressions = 0;
  std::vector<std::string> mismatches;
};

// Compares our row with libdw's frame at file address `vaddr`.
void compare_at(Dwarf_CFI* cfi, uintptr_t vaddr, const FrameRow* row, Comparison& c) {
  Dwarf_Frame* frame = nullptr;
  if (dwarf_cfi_addrframe(cfi, vaddr, &frame) != 0) {
    // No FDE: we must not invent a rule.
    ++c.compared;
    if (row == nullptr || row->rule == kRuleNone)
      ++c.agreed;
    else if (c.mismatches.size() < 10)
      c.mismatches.push_back("no FDE at " + hex(vaddr) + " but rule " + std::to_string(row->rule));
    return;
  }
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  bool ok = true;
  std::string what;
  Dwarf_Op ra_mem[3];
  Dwarf_Op* ra_ops = nullptr;
  size_t ra_nops = 0;
  // No location for the return address: undefined (a "same value" return address means nothing).
  bool ra_undefined = dwarf_frame_register(frame, 16, ra_mem, &ra_ops, &ra_nops) == 0 && ra_nops == 0;
  if (row == nullptr) {
    ok = false;
    what = "no row";
  } else if (ra_undefined) {
    ok = row->rule == kRuleStop;
    what = "outermost frame";
  } else if (dwarf_frame_cfa(frame, &ops, &nops) == 0) {
    // libdw spells "register + offset" as DW_OP_bregx reg offset.
    if (nops == 1 && ops[0].atom == DW_OP_bregx && (ops[0].number == 7 || ops[0].number == 6)) {
      uint8_t want = ops[0].number == 7 ? kRuleSp : kRuleFp;
      ok = row->rule == want && row->cfa_off == static_cast<int32_t>(ops[0].number2);
      what = "CFA r" + std::to_string(ops[0].number) + "+" +
             std::to_string(static_cast<int64_t>(ops[0].number2));
      // Where the caller's rbp is.
      Dwarf_Op fp_mem[3];
      Dwarf_Op* fp_ops = nullptr;
      size_t fp_nops = 0;
      if (ok && dwarf_frame_register(frame, 6, fp_mem, &fp_ops, &fp_nops) == 0) {
        if (fp_nops == 0) {
          ok = row->fp_off == kFpSame;
          what += ", rbp same";
        } else if (fp_ops[0].atom == DW_OP_call_frame_cfa && fp_nops == 2 &&
                   fp_ops[1].atom == DW_OP_plus_uconst) {
          ok = row->fp_off == static_cast<int16_t>(static_cast<int64_t>(fp_ops[1].number));
          what += ", rbp at CFA+" + std::to_string(static_cast<int64_t>(fp_ops[1].number));
        } else if (fp_ops[0].atom == DW_OP_call_frame_cfa && fp_nops == 1) {
          ok = row->fp_off == 0;
          what += ", rbp at CFA";
        } else {
          what +=
              ", rbp rule with " + std::to_string(fp_nops) + " ops, first " + std::to_string(fp_ops[0].atom);
          if (fp_nops > 1)
            what += " second " + std::to_string(fp_ops[1].atom) + " " +
                    std::to_string(static_cast<int64_t>(fp_ops[1].number));
          ok = false;
        }
      }
    } else {
      ++c.expressions;
      ok = row->rule == kRulePlt || row->rule == kRuleSignal || row->rule == kRuleDerefFp ||
           row->rule == kRuleUnknown;
      what = "CFA expression";
    }
  }
  free(frame);
  ++c.compared;
  if (ok)
    ++c.agreed;
  else if (c.mismatches.size() < 10)
    c.mismatches.push_back(
        hex(vaddr) + ": libdw " + what + ", ours rule " + std::to_string(row ? row->rule : -1) + " off " +
        std::to_string(row ? row->cfa_off : 0) + " fp " + std::to_string(row ? row->fp_off : 0));
}

Comparison compare_library(const void* symbol_in_it) {
  Comparison c;
  Dl_info info;
  EXPECT_NE(dladdr(symbol_in_it, &info), 0);
  const CodeLibList* libs = code_cache_current();
  const CodeLib* lib = code_cache_find(libs, reinterpret_cast<uintptr_t>(symbol_in_it));
  EXPECT_NE(lib, nullptr);
  if (lib == nullptr) return c;
  EXPECT_NE(lib->rows, nullptr) << info.dli_fname << " has no table";
  elf_version(EV_CURRENT);
  int fd = open(info.dli_fname, O_RDONLY);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  Dwarf_CFI* cfi = dwarf_getcfi_elf(elf);
  EXPECT_NE(cfi, nullptr);
  if (cfi != nullptr) {
    uintptr_t bias = reinterpret_cast<uintptr_t>(info.dli_fbase);
    for (uintptr_t pc = lib->start; pc < lib->end; pc += 13) {
      const FrameRow* row = find_row_indexed(lib->rows, lib->num_rows, lib->index, lib->num_buckets,
                                             static_cast<uint32_t>(pc - lib->base));
      // The index and the binary search must agree everywhere.
      if (row != find_row(lib->rows, lib->num_rows, static_cast<uint32_t>(pc - lib->base))) {
        ADD_FAILURE() << "indexed and binary-search lookups differ at " << pc;
        break;
      }
      compare_at(cfi, pc - bias, row, c);
    }
    dwarf_cfi_end(cfi);
  }
  elf_end(elf);
  close(fd);
  return c;
}

TEST(UnwindTable, AgreesWithLibdwOnLibc) {
  code_cache_refresh(true);
  Comparison c = compare_library(reinterpret_cast<const void*>(&qsort));
  EXPECT_GT(c.compared, 50000u);
  EXPECT_GT(c.expressions, 0u);  // PLT entries at least
  EXPECT_EQ(c.agreed, c.compared) << ::testing::PrintToString(c.mismatches);
}

TEST(UnwindTable, AgreesWithLibdwOnLibstdcxx) {
  code_cache_refresh(true);
  void* sym = dlsym(RTLD_DEFAULT, "_ZNSo5flushEv");  // std::ostream::flush
  ASSERT_NE(sym, nullptr);
  Comparison c = compare_library(sym);
  EXPECT_GT(c.compared, 50000u);
  EXPECT_EQ(c.agreed, c.compared) << ::testing::PrintToString(c.mismatches);
}

TEST(UnwindTable, GarbageNeverCrashesAndStaysInBounds) {
  std::mt19937_64 rng(42);
  std::vector<uint8_t> buf(1 << 16);
  size_t tables = 0;
  for (int round = 0; round < 500; ++round) {
    for (size_t i = 0; i + 8 <= buf.size(); i += 8) {
      uint64_t v = rng();
      std::memcpy(&buf[i], &v, 8);
    }
    // A plausible header so the parser gets past it and into the FDEs.
    buf[0] = 1;
    buf[1] = 0x1b;
    buf[2] = 0x03;
    buf[3] = 0x3b;
    uint32_t count = static_cast<uint32_t>(rng() % 64) + 1;
    std::memcpy(&buf[8], &count, 4);
    MemoryRange range{reinterpret_cast<uintptr_t>(buf.data()),
                      reinterpret_cast<uintptr_t>(buf.data()) + buf.size()};
    UnwindSource src;
    src.eh_frame_hdr = range.start;
    src.base = range.start;
    src.limit = buf.size();
    src.ranges = &range;
    src.num_ranges = 1;
    MmapBuffer<FrameRow> rows;
    if (build_unwind_table(src, rows, nullptr)) ++tables;
    for (size_t i = 1; i < rows.size(); ++i) ASSERT_LE(rows[i - 1].loc, rows[i].loc);
  }
  SUCCEED() << tables << " garbage inputs produced a table";
}

}  // namespace
}  // namespace lambdascope::agent
