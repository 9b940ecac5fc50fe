#include "render/payload_encoding.hpp"

#include <gtest/gtest.h>

#include "formats/input_source.hpp"

namespace lambdascope::render {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xFB\xFF\xBF", 3)), "+/+/");
}

TEST(Gzip, RoundTripsThroughAGzipReader) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += std::to_string(i * 7919 % 1000) + ",";
  std::string z = gzip_compress(data);
  ASSERT_GE(z.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);  // RFC 1952 magic
  EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
  EXPECT_LT(z.size(), data.size() / 3);
  auto in = formats::InputSource::from_memory("payload", z);
  EXPECT_EQ(in->read_all(), data);
  EXPECT_EQ(formats::InputSource::from_memory("empty", gzip_compress(""))->read_all(), "");
}

}  // namespace
}  // namespace lambdascope::render
