#include "symbolize/elf_symbols.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace lambdascope::symbolize {

namespace {

namespace fs = std::filesystem;

class ElfHandle {
 public:
  explicit ElfHandle(const std::string& path) {
    elf_version(EV_CURRENT);
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0) elf_ = elf_begin(fd_, ELF_C_READ_MMAP, nullptr);
    if (elf_ != nullptr && elf_kind(elf_) != ELF_K_ELF) {
      elf_end(elf_);
      elf_ = nullptr;
    }
  }
  ~ElfHandle() {
    if (elf_ != nullptr) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }
  Elf* get() const { return elf_; }

 private:
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

std::string hex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

std::string build_id_of(Elf* elf) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_NOTE) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr nh;
    while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
          std::memcmp(static_cast<const char*>(data->d_buf) + name_off, "GNU", 4) == 0)
        return hex(static_cast<const uint8_t*>(data->d_buf) + desc_off, nh.n_descsz);
    }
  }
  return {};
}

bool has_named_section(Elf* elf, const char* wanted) {
  size_t shstrndx;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name != nullptr && std::strcmp(name, wanted) == 0) return sh.sh_type != SHT_NOBITS;
  }
  return false;
}

std::string debuglink_of(Elf* elf) {
  size_t shstrndx;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return {};
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name == nullptr || std::strcmp(name, ".gnu_debuglink") != 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || data->d_size == 0) return {};
    const char* s = static_cast<const char*>(data->d_buf);
    return std::string(s, strnlen(s, data->d_size));
  }
  return {};
}

bool has_section(Elf* elf, Elf64_Word type) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) != nullptr && sh.sh_type == type) return true;
  }
  return false;
}

}  // namespace

struct ElfSymbols::FileStrings {
  int fd = -1;
  uint64_t offset = 0;  // of the string table in the file
  uint64_t size = 0;
  ~FileStrings() {
    if (fd >= 0) ::close(fd);
  }
  // Opens `path` for reading the string table [offset, offset + size) from it; nullptr when anything is off
  // (the caller copies the names instead).
  static std::shared_ptr<FileStrings> open(const std::string& path, uint64_t offset, uint64_t size) {
    auto out = std::make_shared<FileStrings>();
    out->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (out->fd < 0) return nullptr;
    struct stat st;
    if (::fstat(out->fd, &st) != 0 || size == 0 || offset + size > static_cast<uint64_t>(st.st_size))
      return nullptr;
    out->offset = offset;
    out->size = size;
    char last = 0;
    if (::pread(out->fd, &last, 1, static_cast<off_t>(offset + size - 1)) != 1 || last != '\0')
      return nullptr;  // every name must end inside the table
    return out;
  }
  // The name at `name` (an offset into the table), read up to its NUL.
  std::string read(uint32_t name, size_t limit = SIZE_MAX) const {
    std::string out;
    char buffer[256];
    uint64_t at = name;
    while (at < size && out.size() < limit) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buffer, size - at));
      ssize_t n = ::pread(fd, buffer, want, static_cast<off_t>(offset + at));
      if (n <= 0) break;
      size_t len = strnlen(buffer, static_cast<size_t>(n));
      out.append(buffer, len);
      if (len < static_cast<size_t>(n)) break;
      at += static_cast<uint64_t>(n);
    }
    return out;
  }
};

std::string find_debug_file(const std::string& path, const std::string& build_id,
                            const std::string& debuglink, const std::vector<std::string>& debug_dirs) {
  std::error_code ec;
  if (build_id.size() > 2) {
    for (const std::string& dir : debug_dirs) {
      std::string p = dir + "/.build-id/" + build_id.substr(0, 2) + "/" + build_id.substr(2) + ".debug";
      if (fs::is_regular_file(p, ec)) return p;
    }
  }
  if (!debuglink.empty()) {
    fs::path file(path);
    fs::path dir = file.parent_path();
    std::vector<fs::path> candidates = {dir / debuglink, dir / ".debug" / debuglink};
    for (const std::string& d : debug_dirs) candidates.push_back(fs::path(d + dir.string()) / debuglink);
    for (const fs::path& c : candidates) {
      if (c == file) continue;  // a debuglink naming the file itself
      if (fs::is_regular_file(c, ec)) {
        // A debug file for another build of this binary would give wrong names: check the build id.
        if (!build_id.empty()) {
          std::string other = ElfSymbols::read_build_id(c.string());
          if (!other.empty() && other != build_id) continue;
        }
        return c.string();
      }
    }
  }
  return {};
}

std::string ElfSymbols::read_build_id(const std::string& path) {
  ElfHandle h(path);
  return h.get() != nullptr ? build_id_of(h.get()) : std::string();
}

std::shared_ptr<const ElfSymbols> ElfSymbols::load(const std::string& path,
                                                   const std::vector<std::string>& debug_dirs,
                                                   std::string* error) {
  ElfHandle h(path);
  Elf* elf = h.get();
  if (elf == nullptr) {
    *error = path + ": not a readable ELF file";
    return nullptr;
  }
  auto out = std::make_shared<ElfSymbols>();
  out->path_ = path;
  out->build_id_ = build_id_of(elf);
  size_t phnum = 0;
  elf_getphdrnum(elf, &phnum);
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf, static_cast<int>(i), &ph) != nullptr && ph.p_type == PT_LOAD)
      out->segments_.push_back({ph.p_offset, ph.p_vaddr, ph.p_filesz});
  }

  // Which file's symbol table: ours, the debug file's, or our dynamic one.
  Elf* sym_elf = elf;
  Elf64_Word sym_type = SHT_SYMTAB;
  std::unique_ptr<ElfHandle> debug;
  out->source_ = "symtab";
  if (!has_section(elf, SHT_SYMTAB)) {
    std::string dbg = find_debug_file(path, out->build_id_, debuglink_of(elf), debug_dirs);
    if (!dbg.empty()) {
      debug = std::make_unique<ElfHandle>(dbg);
      if (debug->get() != nullptr && has_section(debug->get(), SHT_SYMTAB)) {
        sym_elf = debug->get();
        out->debug_file_ = dbg;
        out->source_ = "debug symtab";
      }
    }
    if (sym_elf == elf) {
      sym_type = SHT_DYNSYM;
      out->source_ = "dynsym";
    }
  } else if (!has_named_section(elf, ".debug_info")) {
    // A .symtab without DWARF (strip --strip-debug): lines and inlines may be in a separate file.
    std::string dbg = find_debug_file(path, out->build_id_, debuglink_of(elf), debug_dirs);
    if (!dbg.empty()) out->debug_file_ = dbg;
  }

  const std::string& sym_path = out->debug_file_.empty() || sym_elf == elf ? path : out->debug_file_;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(sym_elf, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != sym_type || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    size_t count = sh.sh_size / sh.sh_entsize;
    out->symbols_.reserve(out->symbols_.size() + count);
    // Names stay in the file when its string table can be read there (one table per file; others are copied).
    GElf_Shdr strtab{};
    Elf_Scn* str = elf_getscn(sym_elf, sh.sh_link);
    bool have_strtab =
        str != nullptr && gelf_getshdr(str, &strtab) != nullptr && strtab.sh_type == SHT_STRTAB;
    bool in_file = false;
    if (have_strtab && out->strings_ == nullptr && (strtab.sh_flags & SHF_COMPRESSED) == 0) {
      out->strings_ = FileStrings::open(sym_path, strtab.sh_offset, strtab.sh_size);
      in_file = out->strings_ != nullptr;
    }
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      int type = GELF_ST_TYPE(sym.st_info);
      if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || sym.st_value == 0 ||
          sym.st_name == 0)
        continue;
      ElfSymbol s;
      s.start = sym.st_value;
      s.size = sym.st_size;
      s.binding = static_cast<uint8_t>(GELF_ST_BIND(sym.st_info));
      if (in_file) {
        if (sym.st_name >= out->strings_->size) continue;
        s.name = sym.st_name;
        s.in_file = 1;
      } else {
        const char* name = elf_strptr(sym_elf, sh.sh_link, sym.st_name);
        if (name == nullptr || *name == '\0') continue;
        s.name = static_cast<uint32_t>(out->names_.size());
        out->names_.insert(out->names_.end(), name, name + std::strlen(name) + 1);
      }
      out->symbols_.push_back(s);
    }
  }
  // Sorted by address; of aliases at one address keep the one a person would call it by (only aliases have
  // their names read here).
  auto rank = [&](const ElfSymbol& s) {
    std::string n = s.in_file ? out->strings_->read(s.name, 2) : out->name(s);
    int r = s.size != 0 ? 8 : 0;
    r += s.binding == STB_GLOBAL ? 4 : s.binding == STB_WEAK ? 2 : 0;
    if (!n.starts_with("__")) r += 1;  // qsort_r over __qsort_r
    return r;
  };
  std::stable_sort(out->symbols_.begin(), out->symbols_.end(),
                   [](const ElfSymbol& a, const ElfSymbol& b) { return a.start < b.start; });
  size_t kept = 0;
  for (size_t i = 0; i < out->symbols_.size(); ++i) {
    const ElfSymbol& s = out->symbols_[i];
    if (kept != 0 && out->symbols_[kept - 1].start == s.start) {
      if (rank(s) > rank(out->symbols_[kept - 1])) out->symbols_[kept - 1] = s;
      continue;
    }
    out->symbols_[kept++] = s;
  }
  out->symbols_.resize(kept);
  out->symbols_.shrink_to_fit();
  return out;
}

std::string ElfSymbols::name(const ElfSymbol& s) const {
  std::string n = s.in_file ? strings_->read(s.name) : std::string(names_.data() + s.name);
  // .symtab spells versioned symbols "name@@VERSION"; the version is not part of the name.
  if (size_t at = n.find('@'); at != std::string::npos && at != 0) n.resize(at);
  return n;
}

bool ElfSymbols::offset_to_vaddr(uint64_t offset, uint64_t* vaddr) const {
  for (const Segment& s : segments_) {
    if (offset >= s.offset && offset < s.offset + s.filesz) {
      *vaddr = offset - s.offset + s.vaddr;
      return true;
    }
  }
  return false;
}

const ElfSymbol* ElfSymbols::find(uint64_t vaddr) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), vaddr,
                             [](uint64_t v, const ElfSymbol& s) { return v < s.start; });
  if (it == symbols_.begin()) return nullptr;
  const ElfSymbol& s = *(it - 1);
  if (vaddr < s.start + s.size) return &s;
  // Symbols without a size (hand-written assembly): accept up to the next symbol, within reason.
  if (s.size == 0 && (it == symbols_.end() || vaddr < it->start) && vaddr - s.start < 4096) return &s;
  return nullptr;
}

}  // namespace lambdascope::symbolize
