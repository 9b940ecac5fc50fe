#include <gtest/gtest.h>
#include <zlib.h>

#include "formats/input_source.hpp"
#include "formats/parse_error.hpp"

namespace lambdascope::formats {
namespace {

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(InputSource, PlainDataPassesThrough) {
  auto in = InputSource::from_memory("m", "hello\nworld\n");
  EXPECT_EQ(in->peek(5), "hello");
  EXPECT_FALSE(in->gzipped());
  EXPECT_EQ(in->read_all(), "hello\nworld\n");
  EXPECT_EQ(in->position(), 12u);
}

TEST(InputSource, GzipIsDetectedByContentAndMultiMemberWorks) {
  std::string big(3 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = '\n';
  auto in = InputSource::from_memory("data.txt", gzip(big) + gzip("tail\n"));
  EXPECT_EQ(in->peek(3), big.substr(0, 3));
  EXPECT_TRUE(in->gzipped());
  EXPECT_EQ(in->read_all(), big + "tail\n");
}

TEST(InputSource, TruncatedGzipIsAnErrorWithOffset) {
  std::string z = gzip(std::string(100000, 'a') + "b");
  auto in = InputSource::from_memory("cut.gz", z.substr(0, z.size() / 2));
  try {
    in->read_all();
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.gz: byte "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated gzip"), std::string::npos) << e.what();
  }
}

TEST(InputSource, CorruptGzipIsAnError) {
  std::string z = gzip(std::string(5000, 'a'));
  z[z.size() / 2] ^= 0x55;
  z[z.size() / 2 + 1] ^= 0x55;
  auto in = InputSource::from_memory("bad.gz", z);
  EXPECT_THROW(in->read_all(), ParseError);
}

TEST(InputSource, MissingFileNamesThePath) {
  try {
    InputSource::open("/nonexistent/lambdascope/file.txt");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/lambdascope/file.txt: cannot open"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace lambdascope::formats
