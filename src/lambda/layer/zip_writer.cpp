#include "lambda/layer/zip_writer.hpp"

#include <libdeflate.h>
#include <sys/stat.h>

#include <limits>
#include <memory>
#include <stdexcept>

namespace lambdascope::lambda::layer {

namespace {

constexpr uint16_t kVersionNeeded = 20;             // 2.0: deflate, directories
constexpr uint16_t kVersionMadeBy = (3 << 8) | 20;  // host 3 = Unix: external attributes are st_mode
constexpr uint16_t kFlagUtf8 = 1 << 11;             // names are UTF-8
constexpr uint16_t kDosTime = 0;                    // 00:00:00
constexpr uint16_t kDosDate = ((2010 - 1980) << 9) | (1 << 5) | 1;  // 2010-01-01, fixed for reproducibility

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v & 0xffff));
  put16(out, static_cast<uint16_t>(v >> 16));
}

uint32_t checked32(size_t v, const char* what) {
  if (v > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error(std::string("zip: ") + what + " exceeds 4 GiB (zip64 is not supported)");
  }
  return static_cast<uint32_t>(v);
}

void check_name(std::string_view name) {
  bool bad = name.empty() || name.front() == '/' || name.find('\\') != std::string_view::npos ||
             name.find('\0') != std::string_view::npos;
  for (size_t start = 0; !bad && start <= name.size();) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part == ".." || part == "." || (part.empty() && end != name.size())) bad = true;
    start = end + 1;
  }
  if (bad) throw std::invalid_argument("zip: bad entry name '" + std::string(name) + "'");
}

}  // namespace

// The fields the local header and the central directory entry share, in the same order: version needed,
// flags, method, time, date, CRC, sizes, name length, extra length.
void ZipWriter::put_entry_fields(std::string& out, const Entry& e) {
  put16(out, kVersionNeeded);
  put16(out, kFlagUtf8);
  put16(out, e.method);
  put16(out, kDosTime);
  put16(out, kDosDate);
  put32(out, e.crc);
  put32(out, e.compressed);
  put32(out, e.size);
  put16(out, static_cast<uint16_t>(e.name.size()));
  put16(out, 0);  // extra field length
}

void ZipWriter::add_file(std::string_view name, std::string_view bytes, uint32_t mode) {
  if (!name.empty() && name.back() == '/') {
    throw std::invalid_argument("zip: file name '" + std::string(name) + "' ends with '/'");
  }
  add(name, bytes, S_IFREG | (mode & 07777));
}

void ZipWriter::add_directory(std::string_view name, uint32_t mode) {
  std::string dir(name);
  if (dir.empty() || dir.back() != '/') dir += '/';
  add(dir, {}, S_IFDIR | (mode & 07777));
}

void ZipWriter::add(std::string_view name, std::string_view bytes, uint32_t unix_mode) {
  std::string_view path = name;
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  check_name(path);
  for (const Entry& e : central_) {
    if (e.name == name) throw std::invalid_argument("zip: '" + std::string(name) + "' added twice");
  }
  if (central_.size() >= 0xffff) throw std::length_error("zip: more than 65,535 entries");

  Entry e;
  e.name = name;
  e.size = checked32(bytes.size(), "an entry");
  e.crc = static_cast<uint32_t>(libdeflate_crc32(0, bytes.data(), bytes.size()));
  // MS-DOS attribute 0x10 marks directories for readers that ignore the Unix bits.
  e.external_attributes = (unix_mode << 16) | (S_ISDIR(unix_mode) ? 0x10 : 0);

  std::string data;
  if (!bytes.empty()) {
    std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> compressor(
        libdeflate_alloc_compressor(12), libdeflate_free_compressor);
    if (!compressor) throw std::bad_alloc();
    data.resize(libdeflate_deflate_compress_bound(compressor.get(), bytes.size()));
    size_t n =
        libdeflate_deflate_compress(compressor.get(), bytes.data(), bytes.size(), data.data(), data.size());
    data.resize(n);
  }
  if (!data.empty() && data.size() < bytes.size()) {
    e.method = 8;  // deflate
  } else {
    e.method = 0;  // stored: incompressible or empty
    data.assign(bytes);
  }
  e.compressed = checked32(data.size(), "an entry");
  e.offset = checked32(out_.size(), "the archive");

  put32(out_, 0x04034b50);  // local file header
  put_entry_fields(out_, e);
  out_ += e.name;
  out_ += data;
  central_.push_back(std::move(e));
}

std::string ZipWriter::finish() {
  uint32_t directory_offset = checked32(out_.size(), "the archive");
  for (const Entry& e : central_) {
    put32(out_, 0x02014b50);  // central directory header
    put16(out_, kVersionMadeBy);
    put_entry_fields(out_, e);
    put16(out_, 0);  // comment length
    put16(out_, 0);  // disk number
    put16(out_, 0);  // internal attributes
    put32(out_, e.external_attributes);
    put32(out_, e.offset);
    out_ += e.name;
  }
  uint32_t directory_size = checked32(out_.size() - directory_offset, "the archive");
  put32(out_, 0x06054b50);  // end of central directory
  put16(out_, 0);
  put16(out_, 0);
  put16(out_, static_cast<uint16_t>(central_.size()));
  put16(out_, static_cast<uint16_t>(central_.size()));
  put32(out_, directory_size);
  put32(out_, directory_offset);
  put16(out_, 0);  // comment length
  checked32(out_.size(), "the archive");
  central_.clear();
  std::string archive = std::move(out_);
  out_.clear();
  return archive;
}

}  // namespace lambdascope::lambda::layer
