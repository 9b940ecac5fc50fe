#include "agent/stack_walker.hpp"

#include "agent/code_bytes.hpp"
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

// A leaf that set up no frame (a V8 builtin, an assembly routine; no unwind row) is left by the
// frame-pointer rule straight for its caller's caller: its caller's return address is still at the stack
// pointer. Taken only when the word there follows a call instruction whose target is within kLeafReach of
// the pc (the callee, or code it jumped to: V8's builtins tail-call each other within their embedded blob,
// a couple of MB): a local or a saved register that happens to look like that is not credible. Targets
// known: a direct call (`call rel32`), a call through memory at the instruction pointer or at a register
// plus a displacement (V8's baseline code calls builtins through `call [r13 + disp32]`, the root register,
// which generated code never changes), a call to a register. Registers are as the leaf left them: a target
// computed from one it changed is garbage, and fails the reach.
constexpr uintptr_t kLeafReach = uintptr_t{16} << 20;

bool near_pc(uintptr_t target, uintptr_t pc) {
  return (target <= pc ? pc - target : target - pc) < kLeafReach;
}

bool follows_call_near(uintptr_t ra, const WalkInput& in, uintptr_t pc) {
  CodeBytes code(in.guarded);
  auto load_word = [&](uintptr_t addr, uintptr_t* out) {
    return addr >= kMinPc && addr < kMaxUserAddress && code.word(addr, out);
  };
  uint8_t b[8];  // b[i]: the byte at ra - 8 + i
  for (int i = 0; i < 8; ++i)
    if (!code.byte(ra - 8 + static_cast<uintptr_t>(i), &b[i])) return false;
  auto rel32 = [&](int at) {
    return static_cast<intptr_t>(static_cast<int32_t>(uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 |
                                                      uint32_t{b[at + 2]} << 16 | uint32_t{b[at + 3]} << 24));
  };
  if (b[3] == 0xe8 && near_pc(ra + static_cast<uintptr_t>(rel32(4)), pc)) return true;
  // ff /2 with no displacement (a register), 8 bits or 32 bits of it: the ModRM byte before it.
  static constexpr int kDisplacements[] = {0, 1, 4};
  for (int disp : kDisplacements) {
    const int m = 7 - disp;
    const uint8_t modrm = b[m];
    if (b[m - 1] != 0xff || ((modrm >> 3) & 7) != 2) continue;
    const int mod = modrm >> 6, rm = modrm & 7;
    const uint8_t rex = (b[m - 2] & 0xf0) == 0x40 ? b[m - 2] : 0;
    const int base = rm | ((rex & 1) << 3);
    uintptr_t target;
    if (disp == 0 && mod == 3) {
      if (in.have_regs && near_pc(in.regs[base], pc)) return true;
    } else if (disp == 4 && mod == 0 && rm == 5) {  // [rip + disp32]
      if (load_word(ra + static_cast<uintptr_t>(rel32(m + 1)), &target) && near_pc(target, pc)) return true;
    } else if (rm != 4 && ((disp == 1 && mod == 1) || (disp == 4 && mod == 2)) && in.have_regs) {
      const intptr_t d = disp == 1 ? static_cast<int8_t>(b[m + 1]) : rel32(m + 1);
      if (load_word(in.regs[base] + static_cast<uintptr_t>(d), &target) && near_pc(target, pc)) return true;
    }
  }
  return false;
}

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

#if defined(__x86_64__)
    // Without the fault guard (the program took SIGSEGV over: Node.js, the JVM) only for a leaf in a loaded
    // object (V8's embedded builtins are in node's text): JIT code's frames keep spill slots a stale return
    // address may sit in, and a JIT's code is all within reach of itself.
    if (n == 1 && (rule == kRuleNone || rule == kRuleUnknown) && (in.guarded || lib != nullptr)) {
      uintptr_t ra;
      if (mem.read(sp, &ra) && ra >= kMinPc && ra < kMaxUserAddress && follows_call_near(ra, in, pc)) {
        pcs[n++] = ra;
        pc = ra;
        sp += 8;
        exact_pc = false;
        continue;
      }
    }
#endif

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
    // A slot below the stack pointer was popped already, so rbp holds the caller's value: GCC's epilogues
    // keep the rule that says where rbp was saved through `pop %rbp` to the `ret` (no .cfi_restore), and
    // reading below the stack pointer would end the walk at the leaf.
    if (fp_off != kFpSame && cfa + fp_off >= sp) {
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
