#include "agent/stack_walker.hpp"

#include "agent/python_trampoline.hpp"
#include "agent/ring_format.hpp"
#include "agent/safe_access.hpp"

namespace lambdascope::agent {

namespace {

// Offsets of the interrupted registers in the ucontext_t a signal trampoline's frame starts with (x86-64:
// uc_mcontext.gregs[REG_RBP], [REG_RSP], [REG_RIP]).
constexpr uintptr_t kUcRbp = 40 + 8 * 10;
constexpr uintptr_t kUcRsp = 40 + 8 * 15;
constexpr uintptr_t kUcRip = 40 + 8 * 16;

// Walker-only rules beside unwind_table's: a return into CPython's perf trampoline (see
// python_trampoline.hpp).
constexpr uint8_t kRulePyKeepsFp = 100;
constexpr uint8_t kRulePySavesFp = 101;

constexpr uintptr_t kMinPc = 4096;
constexpr uintptr_t kMaxUserAddress = uintptr_t{1} << 47;

class StackMemory {
 public:
  StackMemory(const WalkInput& in, WalkStats* stats) : stats_(stats) {
    lo_ = in.sp;
    if (in.stack_hi != 0 && in.sp >= in.stack_lo && in.sp < in.stack_hi) {
      hi_ = in.stack_hi;
      bounded_ = true;
    } else if (in.guarded) {
      hi_ = in.sp + kMaxUnknownStack;
      if (hi_ < in.sp || hi_ > kMaxUserAddress) hi_ = kMaxUserAddress;
    } else {
      hi_ = lo_;  // nothing is readable
    }
  }
  bool contains(uintptr_t addr) const { return addr >= lo_ && addr < hi_; }
  // Reads another frame's slots: not this program's objects, so not for AddressSanitizer to judge (only the
  // unit tests build this file with it).
  __attribute__((no_sanitize_address)) bool read(uintptr_t addr, uintptr_t* out) {
    if ((addr & 7) != 0 || addr < lo_ || addr >= hi_ || hi_ - addr < 8) return false;
    if (bounded_) {
      *out = *reinterpret_cast<const uintptr_t*>(addr);
      return true;
    }
    if (ls_safe_load(reinterpret_cast<const uintptr_t*>(addr), out)) return true;
    ++stats_->faults;
    return false;
  }

 private:
  uintptr_t lo_ = 0;
  uintptr_t hi_ = 0;
  bool bounded_ = false;
  WalkStats* stats_;
};

}  // namespace

uint32_t walk_stack(const CodeLibList* libs, const WalkInput& in, uint64_t* pcs, uint32_t max,
                    WalkStats* stats) {
  if (max == 0) return 0;
  StackMemory mem(in, stats);
  uintptr_t pc = in.pc, sp = in.sp, fp = in.fp;
  uint32_t n = 0;
  pcs[n++] = pc;
  bool exact_pc = true;  // pcs[0] and PCs restored from a signal frame are not return addresses
  const CodeLib* lib = nullptr;
  while (true) {
    if (n >= max) {
      stats->flags |= ring::kSampleTruncated;
      break;
    }
    // A return address points after the call; look up the call itself so a call at the very end of a
    // function (noreturn callees) finds its own FDE, not the next function's.
    uintptr_t lookup = exact_pc ? pc : pc - 1;
    // Consecutive frames are mostly in the same object.
    if (lib == nullptr || lookup < lib->start || lookup >= lib->end) lib = code_cache_find(libs, lookup);
    const FrameRow* row = nullptr;
    if (lib != nullptr && lib->rows != nullptr && lookup >= lib->base)
      row = find_row_indexed(lib->rows, lib->num_rows, lib->index, lib->num_buckets,
                             static_cast<uint32_t>(lookup - lib->base));
    uint8_t rule = row != nullptr ? row->rule : static_cast<uint8_t>(kRuleNone);
    // Code outside every object has no table; CPython's trampolines there keep no frame pointer.
    if (lib == nullptr && !exact_pc && in.guarded) {
      PyTrampoline py = python_trampoline_at(pc);
      if (py != PyTrampoline::kNone) rule = py == PyTrampoline::kKeepsFp ? kRulePyKeepsFp : kRulePySavesFp;
    }

    uintptr_t cfa = 0;
    int fp_off = kFpSame;
    switch (rule) {
      case kRuleSp:
        cfa = sp + static_cast<intptr_t>(row->cfa_off);
        fp_off = row->fp_off;
        break;
      case kRuleFp:
        cfa = fp + static_cast<intptr_t>(row->cfa_off);
        fp_off = row->fp_off;
        break;
      case kRuleDerefFp:
        if (!mem.read(fp + static_cast<intptr_t>(row->cfa_off), &cfa)) cfa = 0;
        fp_off = row->fp_off;
        break;
      case kRulePlt:
        cfa = sp + 8 + (static_cast<int32_t>(pc & 15) >= row->cfa_off ? 8 : 0);
        break;
      case kRuleSignal: {
        uintptr_t new_sp, new_fp, new_pc;
        if (!mem.read(sp + kUcRsp, &new_sp) || !mem.read(sp + kUcRbp, &new_fp) ||
            !mem.read(sp + kUcRip, &new_pc) || new_pc < kMinPc || new_pc >= kMaxUserAddress)
          goto done;
        pcs[n++] = new_pc;
        pc = new_pc;
        sp = new_sp;
        fp = new_fp;
        exact_pc = true;
        // The interrupted stack may be elsewhere (sigaltstack); reads stay confined to the known range.
        if (!mem.contains(sp)) goto done;
        continue;
      }
      case kRulePyKeepsFp:
        cfa = sp + 16;
        break;
      case kRulePySavesFp:
        cfa = sp + 16;
        fp_off = -16;
        break;
      case kRuleStop:
        stats->flags |= ring::kSampleComplete;
        goto done;
      default:  // kRuleNone, kRuleUnknown: frame pointers
        if (fp == 0) {
          // glibc clears rbp at the outermost frames (_start, thread start) of frame-pointer code.
          stats->flags |= ring::kSampleComplete;
          goto done;
        }
        if (fp < sp || !mem.contains(fp)) goto done;
        cfa = fp + 16;
        fp_off = -16;
        break;
    }
    if (cfa <= sp || !mem.contains(cfa - 8)) goto done;
    uintptr_t ra;
    if (!mem.read(cfa - 8, &ra)) goto done;
    if (fp_off != kFpSame) {
      uintptr_t saved;
      if (!mem.read(cfa + fp_off, &saved)) goto done;
      fp = saved;
    }
    if (ra < kMinPc || ra >= kMaxUserAddress) {
      if (ra == 0) stats->flags |= ring::kSampleComplete;
      goto done;
    }
    sp = cfa;
    pc = ra;
    exact_pc = false;
    pcs[n++] = pc;
  }
done:
  return n;
}

}  // namespace lambdascope::agent
