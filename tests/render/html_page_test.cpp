#include "render/html_page.hpp"

#include <gtest/gtest.h>

#include "formats/input_source.hpp"
#include "render/embedded_files.hpp"
#include "render/render_test_util.hpp"

namespace lambdascope::render {
namespace {

std::string between(const std::string& s, const std::string& a, const std::string& b) {
  size_t start = s.find(a);
  if (start == std::string::npos) return "(missing)";
  start += a.size();
  return s.substr(start, s.find(b, start) - start);
}

TEST(HtmlPage, FollowsTheContractShell) {
  std::string page =
      html_page("Flame <graph> & \"x\"", R"({"a":"<b>"})", "console.log(1)", PayloadEncoding::kJson);
  EXPECT_EQ(page.rfind("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", 0), 0u);
  EXPECT_EQ(between(page, "<title>", "</title>"), "Flame &lt;graph&gt; &amp; &quot;x&quot;");
  EXPECT_NE(page.find("<div id=\"lambdascope-app\"></div>"), std::string::npos);
  EXPECT_EQ(between(page, "id=\"lambdascope-data\" data-encoding=\"json\">", "</script>"),
            R"({"a":"\u003cb>"})");
  EXPECT_EQ(between(page, "<script>", "</script>"), "console.log(1)");
  EXPECT_NE(page.find("</body></html>"), std::string::npos);
  // Nothing from the network.
  EXPECT_EQ(page.find("http"), std::string::npos);
}

TEST(HtmlPage, GzipBase64PayloadDecodesToTheJson) {
  std::string json = R"({"format":"lambdascope-page","title":"</script>"})";
  std::string page = html_page("t", json, "var x;");
  std::string data = between(page, "data-encoding=\"gzip+base64\">", "</script>");
  EXPECT_EQ(data.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
            std::string::npos);
  auto in = formats::InputSource::from_memory("payload", test::base64_decode(data));
  EXPECT_EQ(in->read_all(), json);
}

TEST(HtmlPage, RefusesABundleThatWouldCloseItsScript) {
  EXPECT_THROW(html_page("t", "{}", "var s = '</script>';"), std::invalid_argument);
  EXPECT_THROW(html_page("t", "{}", "var s = '</SCRIPT >';"), std::invalid_argument);
  EXPECT_THROW(html_page("t", "{}", "var s = '</sCrIpT';"), std::invalid_argument);
  EXPECT_NO_THROW(html_page("t", "{}", "var s = '<\\/script>';"));
}

TEST(HtmlPage, TheEmbeddedBundleIsBuiltAndEmbeddable) {
  std::string_view bundle = web_bundle();
  EXPECT_GT(bundle.size(), 50u);
  EXPECT_NE(bundle.find("lambdascope-app"), std::string_view::npos);  // the entry point mounts on it
  EXPECT_NO_THROW(html_page("t", "{}", bundle));
}

}  // namespace
}  // namespace lambdascope::render
