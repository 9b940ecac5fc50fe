#include "agent/unwind_table.hpp"

namespace lambdascope::agent {

namespace {

// DWARF register numbers on x86-64 (and the few we need on aarch64).
#if defined(__x86_64__)
constexpr uint32_t kRegFp = 6;
constexpr uint32_t kRegSp = 7;
constexpr uint32_t kRegRa = 16;
#elif defined(__aarch64__)
constexpr uint32_t kRegFp = 29;
constexpr uint32_t kRegSp = 31;
constexpr uint32_t kRegRa = 30;
#endif

// Reads little-endian values from the object's memory, failing (sticky) instead of leaving [pos, end).
class ByteReader {
 public:
  ByteReader(uintptr_t pos, uintptr_t end) : pos_(pos), end_(end) {}

  bool ok() const { return !failed_; }
  uintptr_t pos() const { return pos_; }
  uintptr_t end() const { return end_; }
  void seek(uintptr_t pos) {
    if (pos > end_)
      failed_ = true;
    else
      pos_ = pos;
  }
  void skip(uint64_t n) {
    if (n > end_ - pos_)
      failed_ = true;
    else
      pos_ += n;
  }

  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint16_t u16() { return static_cast<uint16_t>(fixed(2)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  uint64_t uleb() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8();
      if (failed_) return 0;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    failed_ = true;
    return 0;
  }
  int64_t sleb() {
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
      b = u8();
      if (failed_ || shift >= 64) {
        failed_ = true;
        return 0;
      }
      v |= static_cast<int64_t>(static_cast<uint64_t>(b & 0x7f) << shift);
      shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= -(static_cast<int64_t>(1) << shift);
    return v;
  }
  // A DW_EH_PE-encoded pointer. `datarel` is the base for DW_EH_PE_datarel (the .eh_frame_hdr).
  uintptr_t encoded(uint8_t enc, uintptr_t datarel = 0) {
    if (enc == 0xff) return 0;  // DW_EH_PE_omit
    uintptr_t field = pos_;
    uint64_t v;
    switch (enc & 0x0f) {
      case 0x00:
        v = u64();
        break;
      case 0x01:
        v = uleb();
        break;
      case 0x02:
        v = u16();
        break;
      case 0x03:
        v = u32();
        break;
      case 0x04:
        v = u64();
        break;
      case 0x09:
        v = static_cast<uint64_t>(sleb());
        break;
      case 0x0a:
        v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(u16())));
        break;
      case 0x0b:
        v = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(u32())));
        break;
      case 0x0c:
        v = u64();
        break;
      default:
        failed_ = true;
        return 0;
    }
    switch (enc & 0x70) {
      case 0x00:
        break;
      case 0x10:
        v += field;
        break;  // pcrel
      case 0x30:
        v += datarel;
        break;  // datarel
      default:
        failed_ = true;
        return 0;
    }
    if (enc & 0x80) failed_ = true;  // indirect: only personality routines use it, and we skip those
    return static_cast<uintptr_t>(v);
  }

 private:
  uint64_t fixed(unsigned n) {
    if (failed_ || end_ - pos_ < n) {
      failed_ = true;
      return 0;
    }
    uint64_t v = 0;
    const auto* p = reinterpret_cast<const uint8_t*>(pos_);
    for (unsigned i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    pos_ += n;
    return v;
  }

  uintptr_t pos_;
  uintptr_t end_;
  bool failed_ = false;
};

const MemoryRange* range_of(const UnwindSource& s, uintptr_t addr) {
  for (size_t i = 0; i < s.num_ranges; ++i)
    if (addr >= s.ranges[i].start && addr < s.ranges[i].end) return &s.ranges[i];
  return nullptr;
}

struct Cie {
  uintptr_t address = 0;
  uint64_t code_align = 1;
  int64_t data_align = -8;
  uint64_t ra_reg = kRegRa;
  uint8_t fde_enc = 0;  // DW_EH_PE_absptr
  bool has_augmentation_data = false;
  bool signal_frame = false;
  uintptr_t insns = 0;
  uintptr_t insns_end = 0;
};

// What the walk needs of the CFI state at one address.
struct CfaState {
  uint8_t cfa_rule = kRuleSp;  // kRuleSp, kRuleFp, kRuleDerefFp, kRulePlt, kRuleSignal, kRuleUnknown
  int32_t cfa_off = 8;
  int16_t fp_off = kFpSame;
  bool ra_undefined = false;
  bool operator==(const CfaState&) const = default;
};

bool parse_cie(uintptr_t at, const UnwindSource& src, Cie* cie) {
  const MemoryRange* r = range_of(src, at);
  if (r == nullptr) return false;
  ByteReader rd(at, r->end);
  uint64_t length = rd.u32();
  if (length == 0xffffffff) length = rd.u64();
  if (!rd.ok() || length == 0 || length > r->end - rd.pos()) return false;
  uintptr_t end = rd.pos() + length;
  ByteReader in(rd.pos(), end);
  if (in.u32() != 0) return false;  // CIE id in .eh_frame
  uint8_t version = in.u8();
  if (version != 1 && version != 3 && version != 4) return false;
  char aug[8];
  size_t n = 0;
  for (;;) {
    char c = static_cast<char>(in.u8());
    if (!in.ok()) return false;
    if (c == '\0') break;
    if (n + 1 >= sizeof aug) return false;
    aug[n++] = c;
  }
  aug[n] = '\0';
  if (version == 4) in.skip(2);  // address size, segment size
  cie->address = at;
  cie->code_align = in.uleb();
  cie->data_align = in.sleb();
  cie->ra_reg = version == 1 ? in.u8() : in.uleb();
  cie->fde_enc = 0;
  cie->signal_frame = false;
  cie->has_augmentation_data = n > 0 && aug[0] == 'z';
  if (cie->has_augmentation_data) {
    uint64_t aug_len = in.uleb();
    uintptr_t aug_end = in.pos() + aug_len;
    if (!in.ok() || aug_len > end - in.pos()) return false;
    for (size_t i = 1; i < n; ++i) {
      switch (aug[i]) {
        case 'R':
          cie->fde_enc = in.u8();
          break;
        case 'L':
          in.u8();
          break;
        case 'P': {
          uint8_t enc = in.u8();
          in.encoded(static_cast<uint8_t>(enc & 0x7f));  // the personality routine; not followed
          break;
        }
        case 'S':
          cie->signal_frame = true;
          break;
        case 'B':
          break;
        default:
          i = n;
          break;  // unknown: the length lets us skip the rest
      }
    }
    in.seek(aug_end);
  } else if (n > 0 && !(aug[0] == 'e' && aug[1] == 'h')) {
    return false;  // an augmentation we cannot skip
  }
  cie->insns = in.pos();
  cie->insns_end = end;
  return in.ok() && cie->code_align != 0;
}

// Sink for rows of one FDE: merges rows at the same location and drops repeats.
class RowSink {
 public:
  RowSink(MmapBuffer<FrameRow>& rows, bool* ok) : rows_(rows), ok_(ok) {}
  void emit(uintptr_t loc, uint8_t rule, int32_t off, int16_t fp) {
    FrameRow row{static_cast<uint32_t>(loc), off, fp, rule, 0};
    if (rows_.size() > 0) {
      FrameRow& last = rows_.back();
      if (last.loc == row.loc) {
        last = row;
        if (rows_.size() > 1) {
          const FrameRow& prev = rows_[rows_.size() - 2];
          if (prev.rule == row.rule && prev.cfa_off == row.cfa_off && prev.fp_off == row.fp_off)
            rows_.pop_back();
        }
        return;
      }
      if (last.loc > row.loc)
        unsorted_ = true;
      else if (last.rule == row.rule && last.cfa_off == row.cfa_off && last.fp_off == row.fp_off)
        return;
    }
    if (!rows_.push(row)) *ok_ = false;
  }
  void emit_state(uintptr_t loc, const CfaState& s) {
    if (s.ra_undefined)
      emit(loc, kRuleStop, 0, kFpSame);
    else
      emit(loc, s.cfa_rule, s.cfa_off, s.fp_off);
  }
  bool unsorted() const { return unsorted_; }

 private:
  MmapBuffer<FrameRow>& rows_;
  bool* ok_;
  bool unsorted_ = false;
};

// Recognizes the CFA expressions compilers and libc emit on x86-64.
void classify_cfa_expression(uintptr_t expr, uint64_t len, bool signal_frame, CfaState* st) {
  const auto* e = reinterpret_cast<const uint8_t*>(expr);
  st->cfa_rule = kRuleUnknown;
  st->cfa_off = 0;
  // PLT: DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN; DW_OP_ge; DW_OP_lit3; DW_OP_shl;
  // DW_OP_plus  => CFA = rsp + 8 + ((rip & 15) >= N) << 3
  if (len == 11 && e[0] == 0x77 && e[1] == 0x08 && e[2] == 0x80 && e[3] == 0x00 && e[4] == 0x3f &&
      e[5] == 0x1a && e[6] >= 0x30 && e[6] <= 0x4f && e[7] == 0x2a && e[8] == 0x33 && e[9] == 0x24 &&
      e[10] == 0x22) {
    st->cfa_rule = kRulePlt;
    st->cfa_off = e[6] - 0x30;
    return;
  }
  // glibc's __restore_rt: DW_OP_breg7 <offset of uc_mcontext.rsp>; DW_OP_deref
  if (signal_frame && len >= 3 && e[0] == 0x77 && e[len - 1] == 0x06) {
    st->cfa_rule = kRuleSignal;
    return;
  }
  // Stack realignment (main, some libc functions): DW_OP_breg6 <off>; DW_OP_deref  => CFA = *(rbp + off)
  if (len >= 3 && len <= 6 && e[0] == 0x76 && e[len - 1] == 0x06) {
    ByteReader r(expr + 1, expr + len - 1);
    int64_t off = r.sleb();
    if (r.ok() && r.pos() == expr + len - 1 && off > -4096 && off < 4096) {
      st->cfa_rule = kRuleDerefFp;
      st->cfa_off = static_cast<int32_t>(off);
    }
  }
}

constexpr int kMaxRememberDepth = 16;

// Runs CFA instructions [in.pos(), in.end()). With `sink` null it only computes the state (the CIE's initial
// instructions); otherwise it emits a row for each address range of the FDE [loc, loc_end).
bool run_cfa(ByteReader& in, const Cie& cie, const CfaState& initial, CfaState* st, uintptr_t loc,
             uintptr_t loc_end, uintptr_t base, RowSink* sink) {
  CfaState stack[kMaxRememberDepth];
  int depth = 0;
  auto advance = [&](uint64_t delta) {
    if (sink != nullptr && loc < loc_end) sink->emit_state(loc - base, *st);
    loc += delta * cie.code_align;
  };
  auto set_reg_offset = [&](uint64_t reg, int64_t off) {
    if (reg == kRegFp)
      st->fp_off = (off >= -32768 && off < 32767) ? static_cast<int16_t>(off) : kFpSame;
    else if (reg == cie.ra_reg)
      st->ra_undefined = false;
  };
  auto restore_reg = [&](uint64_t reg) {
    if (reg == kRegFp)
      st->fp_off = initial.fp_off;
    else if (reg == cie.ra_reg)
      st->ra_undefined = initial.ra_undefined;
  };
  auto set_cfa_reg = [&](uint64_t reg) {
    st->cfa_rule = reg == kRegSp ? kRuleSp : reg == kRegFp ? kRuleFp : kRuleUnknown;
  };
  while (in.ok() && in.pos() < in.end()) {
    uint8_t op = in.u8();
    uint8_t low = op & 0x3f;
    switch (op & 0xc0) {
      case 0x40:
        advance(low);
        continue;
      case 0x80:
        set_reg_offset(low, static_cast<int64_t>(in.uleb()) * cie.data_align);
        continue;
      case 0xc0:
        restore_reg(low);
        continue;
      default:
        break;
    }
    switch (op) {
      case 0x00:
        break;      // nop
      case 0x01: {  // set_loc
        uintptr_t to = in.encoded(cie.fde_enc);
        if (to < loc) return false;
        if (sink != nullptr && loc < loc_end) sink->emit_state(loc - base, *st);
        loc = to;
        break;
      }
      case 0x02:
        advance(in.u8());
        break;
      case 0x03:
        advance(in.u16());
        break;
      case 0x04:
        advance(in.u32());
        break;
      case 0x05: {  // offset_extended
        uint64_t reg = in.uleb();
        set_reg_offset(reg, static_cast<int64_t>(in.uleb()) * cie.data_align);
        break;
      }
      case 0x06:
        restore_reg(in.uleb());
        break;      // restore_extended
      case 0x07: {  // undefined
        uint64_t reg = in.uleb();
        if (reg == cie.ra_reg)
          st->ra_undefined = true;
        else if (reg == kRegFp)
          st->fp_off = kFpSame;
        break;
      }
      case 0x08: {  // same_value
        uint64_t reg = in.uleb();
        if (reg == kRegFp) st->fp_off = kFpSame;
        break;
      }
      case 0x09: {  // register
        uint64_t reg = in.uleb();
        in.uleb();
        if (reg == kRegFp) st->fp_off = kFpSame;
        break;
      }
      case 0x0a:  // remember_state
        if (depth == kMaxRememberDepth) return false;
        stack[depth++] = *st;
        break;
      case 0x0b:  // restore_state
        if (depth == 0) return false;
        *st = stack[--depth];  // the CFA rule is part of the remembered row (DWARF 3+)
        break;
      case 0x0c: {  // def_cfa
        uint64_t reg = in.uleb();
        uint64_t off = in.uleb();
        set_cfa_reg(reg);
        st->cfa_off = static_cast<int32_t>(off);
        break;
      }
      case 0x0d:
        set_cfa_reg(in.uleb());
        break;  // def_cfa_register
      case 0x0e:
        st->cfa_off = static_cast<int32_t>(in.uleb());
        break;      // def_cfa_offset
      case 0x0f: {  // def_cfa_expression
        uint64_t len = in.uleb();
        uintptr_t expr = in.pos();
        in.skip(len);
        if (in.ok()) classify_cfa_expression(expr, len, cie.signal_frame, st);
        break;
      }
      case 0x10: {  // expression
        uint64_t reg = in.uleb();
        in.skip(in.uleb());
        if (reg == kRegFp) st->fp_off = kFpSame;  // only signal frames do this; handled by kRuleSignal
        break;
      }
      case 0x11: {  // offset_extended_sf
        uint64_t reg = in.uleb();
        set_reg_offset(reg, in.sleb() * cie.data_align);
        break;
      }
      case 0x12: {  // def_cfa_sf
        uint64_t reg = in.uleb();
        int64_t off = in.sleb() * cie.data_align;
        set_cfa_reg(reg);
        st->cfa_off = static_cast<int32_t>(off);
        break;
      }
      case 0x13:
        st->cfa_off = static_cast<int32_t>(in.sleb() * cie.data_align);
        break;    // def_cfa_offset_sf
      case 0x14:  // val_offset
        in.uleb();
        in.uleb();
        break;
      case 0x15:  // val_offset_sf
        in.uleb();
        in.sleb();
        break;
      case 0x16: {  // val_expression
        in.uleb();
        in.skip(in.uleb());
        break;
      }
      case 0x2e:
        in.uleb();
        break;      // GNU_args_size
      case 0x2f: {  // GNU_negative_offset_extended
        uint64_t reg = in.uleb();
        set_reg_offset(reg, -static_cast<int64_t>(in.uleb()) * cie.data_align);
        break;
      }
      default:
        return false;  // an opcode we do not know: the rest of this FDE cannot be trusted
    }
  }
  if (!in.ok()) return false;
  if (sink != nullptr && loc < loc_end) sink->emit_state(loc - base, *st);
  return true;
}

void sort_rows(FrameRow* rows, size_t n) {
  // Heap sort: no allocation, no recursion; only needed for the rare object whose FDEs are out of order.
  auto sift = [&](size_t i, size_t len) {
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= len) return;
      if (c + 1 < len && rows[c + 1].loc > rows[c].loc) ++c;
      if (rows[i].loc >= rows[c].loc) return;
      FrameRow t = rows[i];
      rows[i] = rows[c];
      rows[c] = t;
      i = c;
    }
  };
  for (size_t i = n / 2; i-- > 0;) sift(i, n);
  for (size_t len = n; len > 1; --len) {
    FrameRow t = rows[0];
    rows[0] = rows[len - 1];
    rows[len - 1] = t;
    sift(0, len - 1);
  }
}

}  // namespace

bool build_unwind_table(const UnwindSource& src, MmapBuffer<FrameRow>& rows, UnwindTableStats* stats) {
  UnwindTableStats local;
  if (stats == nullptr) stats = &local;
  const MemoryRange* hr = range_of(src, src.eh_frame_hdr);
  if (hr == nullptr) return false;
  ByteReader hdr(src.eh_frame_hdr, hr->end);
  uint8_t version = hdr.u8();
  uint8_t eh_frame_ptr_enc = hdr.u8();
  uint8_t fde_count_enc = hdr.u8();
  uint8_t table_enc = hdr.u8();
  if (!hdr.ok() || version != 1) return false;
  hdr.encoded(eh_frame_ptr_enc, src.eh_frame_hdr);
  uint64_t fde_count = hdr.encoded(fde_count_enc, src.eh_frame_hdr);
  // The binary-search table: (initial location, FDE address) pairs, both datarel sdata4 in practice.
  if (!hdr.ok() || table_enc != 0x3b || fde_count == 0 || fde_count > (hr->end - hdr.pos()) / 8) return false;

  bool ok = true;
  RowSink sink(rows, &ok);
  Cie cies[8];
  size_t next_cie = 0;
  size_t start_rows = rows.size();

  for (uint64_t i = 0; i < fde_count && ok; ++i) {
    hdr.encoded(table_enc, src.eh_frame_hdr);  // initial location: read again from the FDE itself
    uintptr_t fde = hdr.encoded(table_enc, src.eh_frame_hdr);
    if (!hdr.ok()) break;
    ++stats->fdes;
    const MemoryRange* fr = range_of(src, fde);
    if (fr == nullptr) {
      ++stats->bad_fdes;
      continue;
    }
    ByteReader rd(fde, fr->end);
    uint64_t length = rd.u32();
    if (length == 0xffffffff) length = rd.u64();
    if (!rd.ok() || length < 8 || length > fr->end - rd.pos()) {
      ++stats->bad_fdes;
      continue;
    }
    uintptr_t end = rd.pos() + length;
    ByteReader in(rd.pos(), end);
    uintptr_t cie_field = in.pos();
    uint32_t cie_ptr = in.u32();
    if (cie_ptr == 0 || cie_ptr > cie_field) {  // 0 would make this a CIE
      ++stats->bad_fdes;
      continue;
    }
    uintptr_t cie_at = cie_field - cie_ptr;
    const Cie* cie = nullptr;
    for (const Cie& c : cies)
      if (c.address == cie_at) cie = &c;
    if (cie == nullptr) {
      Cie parsed;
      if (!parse_cie(cie_at, src, &parsed)) {
        ++stats->bad_fdes;
        continue;
      }
      cies[next_cie] = parsed;
      cie = &cies[next_cie];
      next_cie = (next_cie + 1) % (sizeof cies / sizeof cies[0]);
    }
    uintptr_t pc_begin = in.encoded(cie->fde_enc);
    uintptr_t pc_range = in.encoded(static_cast<uint8_t>(cie->fde_enc & 0x0f));
    if (cie->has_augmentation_data) in.skip(in.uleb());
    if (!in.ok() || pc_range == 0 || pc_begin < src.base || pc_begin - src.base >= src.limit ||
        pc_range > src.limit - (pc_begin - src.base)) {
      ++stats->bad_fdes;
      continue;
    }
    // The CIE's initial instructions give the state at the start of every FDE that uses it.
    CfaState initial;
    ByteReader cie_in(cie->insns, cie->insns_end);
    if (!run_cfa(cie_in, *cie, initial, &initial, 0, 0, 0, nullptr)) {
      ++stats->bad_fdes;
      continue;
    }
    CfaState st = initial;
    size_t before = rows.size();
    if (!run_cfa(in, *cie, initial, &st, pc_begin, pc_begin + pc_range, src.base, &sink)) {
      // A half-understood FDE is worse than frame pointers: drop its rows and cover its range with kRuleNone.
      while (rows.size() > before) rows.pop_back();
      sink.emit(pc_begin - src.base, kRuleNone, 0, kFpSame);
      ++stats->bad_fdes;
    }
    sink.emit(pc_begin + pc_range - src.base, kRuleNone, 0, kFpSame);
  }
  if (!ok) {
    while (rows.size() > start_rows) rows.pop_back();
    return false;
  }
  if (sink.unsorted()) sort_rows(rows.data() + start_rows, rows.size() - start_rows);
  stats->rows = rows.size() - start_rows;
  return true;
}

uint32_t* build_row_index(const FrameRow* rows, size_t n, uint32_t limit, size_t* bytes, uint32_t* buckets) {
  uint32_t count = (limit >> kBucketShift) + 1;
  *bytes = page_round(static_cast<size_t>(count) * sizeof(uint32_t));
  auto* index = static_cast<uint32_t*>(map_anonymous(*bytes));
  if (index == nullptr) return nullptr;
  size_t r = 0;
  for (uint32_t b = 0; b < count; ++b) {
    uint32_t at = b << kBucketShift;
    while (r < n && rows[r].loc <= at) ++r;
    index[b] = r == 0 ? UINT32_MAX : static_cast<uint32_t>(r - 1);
  }
  *buckets = count;
  return index;
}

}  // namespace lambdascope::agent
