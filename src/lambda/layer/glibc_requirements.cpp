#include "lambda/layer/glibc_requirements.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace lambdascope::lambda::layer {

std::optional<std::pair<int, int>> parse_glibc_version(const std::string& name) {
  int major = 0, minor = 0, used = 0;
  if (std::sscanf(name.c_str(), "GLIBC_%d.%d%n", &major, &minor, &used) != 2) return std::nullopt;
  // "GLIBC_2.2.5": the third component never decides against 2.34, so only major.minor count.
  if (static_cast<size_t>(used) != name.size() && name[static_cast<size_t>(used)] != '.') return std::nullopt;
  return std::pair{major, minor};
}

std::string newest_glibc_required(const std::string& path) {
  elf_version(EV_CURRENT);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<int, void (*)(int*)> close_fd(&fd, [](int* f) { ::close(*f); });
  std::unique_ptr<Elf, int (*)(Elf*)> elf(elf_begin(fd, ELF_C_READ, nullptr), elf_end);
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) throw std::runtime_error(path + ": not an ELF file");

  std::string newest;
  std::pair<int, int> newest_version{0, 0};
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_GNU_verneed) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    size_t offset = 0;
    for (size_t i = 0; i < shdr.sh_info; ++i) {  // sh_info: the number of Verneed entries
      GElf_Verneed need;
      if (gelf_getverneed(data, static_cast<int>(offset), &need) == nullptr) break;
      size_t aux_offset = offset + need.vn_aux;
      for (size_t j = 0; j < need.vn_cnt; ++j) {
        GElf_Vernaux aux;
        if (gelf_getvernaux(data, static_cast<int>(aux_offset), &aux) == nullptr) break;
        const char* name = elf_strptr(elf.get(), shdr.sh_link, aux.vna_name);
        if (name != nullptr) {
          if (auto v = parse_glibc_version(name); v && *v > newest_version) {
            newest_version = *v;
            newest = name;
          }
        }
        if (aux.vna_next == 0) break;
        aux_offset += aux.vna_next;
      }
      if (need.vn_next == 0) break;
      offset += need.vn_next;
    }
  }
  return newest;
}

}  // namespace lambdascope::lambda::layer
