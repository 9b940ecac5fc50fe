// The layer's zip writer: what it writes is read back field by field (zip's APPNOTE layout) and inflated;
// tests/e2e/layer_test.sh reads a real layer with Python's zipfile and Debian's unzip.
#include "lambda/layer/zip_writer.hpp"

#include <gtest/gtest.h>
#include <libdeflate.h>
#include <sys/stat.h>

#include <map>
#include <stdexcept>
#include <string>

namespace lambdascope::lambda::layer {
namespace {

uint32_t u16(const std::string& z, size_t at) {
  return static_cast<uint8_t>(z.at(at)) | static_cast<uint8_t>(z.at(at + 1)) << 8;
}
uint32_t u32(const std::string& z, size_t at) {
  return u16(z, at) | u16(z, at + 2) << 16;
}

struct ReadEntry {
  uint32_t mode = 0, method = 0, made_by = 0;
  std::string data;
};

// A minimal reader: end record -> central directory -> local headers -> inflate; checks every CRC.
std::map<std::string, ReadEntry> read_zip(const std::string& z) {
  size_t end = z.size() - 22;
  EXPECT_EQ(u32(z, end), 0x06054b50u);
  size_t count = u16(z, end + 10);
  size_t at = u32(z, end + 16);
  EXPECT_EQ(at + u32(z, end + 12), end) << "the central directory ends where the end record starts";
  std::map<std::string, ReadEntry> entries;
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(u32(z, at), 0x02014b50u);
    ReadEntry e;
    e.made_by = u16(z, at + 4);
    e.method = u16(z, at + 10);
    uint32_t crc = u32(z, at + 16), csize = u32(z, at + 20), size = u32(z, at + 24);
    size_t name_len = u16(z, at + 28), extra = u16(z, at + 30), comment = u16(z, at + 32);
    e.mode = u32(z, at + 38) >> 16;
    size_t local = u32(z, at + 42);
    std::string name = z.substr(at + 46, name_len);
    at += 46 + name_len + extra + comment;

    EXPECT_EQ(u32(z, local), 0x04034b50u) << name;
    EXPECT_EQ(z.substr(local + 30, u16(z, local + 26)), name) << "local header names the same file";
    EXPECT_EQ(u32(z, local + 14), crc) << name;
    size_t data_at = local + 30 + u16(z, local + 26) + u16(z, local + 28);
    std::string compressed = z.substr(data_at, csize);
    if (e.method == 8) {
      e.data.resize(size);
      size_t actual = 0;
      libdeflate_decompressor* d = libdeflate_alloc_decompressor();
      EXPECT_EQ(libdeflate_deflate_decompress(d, compressed.data(), compressed.size(), e.data.data(), size,
                                              &actual),
                LIBDEFLATE_SUCCESS)
          << name;
      libdeflate_free_decompressor(d);
      EXPECT_EQ(actual, size);
    } else {
      EXPECT_EQ(e.method, 0u);
      e.data = compressed;
    }
    EXPECT_EQ(libdeflate_crc32(0, e.data.data(), e.data.size()), crc) << name;
    entries[name] = e;
  }
  return entries;
}

TEST(ZipWriter, FilesAndDirectoriesReadBackWithModes) {
  ZipWriter zip;
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  zip.add_directory("lambdascope/bin");
  zip.add_file("lambdascope/bin/tool", big, 0755);
  zip.add_file("notes.txt", "short", 0644);
  zip.add_file("empty", "", 0600);
  EXPECT_EQ(zip.entries(), 4u);
  std::string z = zip.finish();
  EXPECT_EQ(zip.entries(), 0u);

  auto entries = read_zip(z);
  ASSERT_EQ(entries.size(), 4u);
  ASSERT_TRUE(entries.count("lambdascope/bin/"));
  EXPECT_TRUE(S_ISDIR(entries["lambdascope/bin/"].mode));
  EXPECT_EQ(entries["lambdascope/bin/tool"].data, big);
  EXPECT_EQ(entries["lambdascope/bin/tool"].method, 8u) << "compressible data is deflated";
  EXPECT_EQ(entries["lambdascope/bin/tool"].mode, static_cast<uint32_t>(S_IFREG | 0755));
  EXPECT_EQ(entries["lambdascope/bin/tool"].made_by >> 8, 3u) << "made by Unix: the mode bits are honored";
  EXPECT_EQ(entries["notes.txt"].data, "short");
  EXPECT_EQ(entries["notes.txt"].mode, static_cast<uint32_t>(S_IFREG | 0644));
  EXPECT_EQ(entries["empty"].data, "");
  EXPECT_EQ(entries["empty"].method, 0u);
  EXPECT_LT(z.size(), big.size() / 2);
}

TEST(ZipWriter, SameInputsSameBytes) {
  auto make = [] {
    ZipWriter zip;
    zip.add_file("a", "alpha alpha alpha alpha", 0644);
    zip.add_file("b/c", "gamma", 0755);
    return zip.finish();
  };
  EXPECT_EQ(make(), make());
}

TEST(ZipWriter, RefusesBadAndDuplicateNames) {
  ZipWriter zip;
  for (const char* bad : {"", "/abs", "a/../b", "..", "./a", "a//b", "a\\b", "dir/"}) {
    EXPECT_THROW(zip.add_file(bad, "x", 0644), std::invalid_argument) << bad;
  }
  zip.add_file("a", "x", 0644);
  EXPECT_THROW(zip.add_file("a", "y", 0644), std::invalid_argument);
  EXPECT_EQ(zip.entries(), 1u);
}

}  // namespace
}  // namespace lambdascope::lambda::layer
