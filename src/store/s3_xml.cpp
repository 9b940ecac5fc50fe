#include "store/s3_xml.hpp"

#include <expat.h>

#include <charconv>
#include <functional>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace lambdascope::store {
namespace {

// Calls `on_element(path, text)` when an element closes; path is "/"-joined local names from the root
// ("ListBucketResult/Contents/Key"), text the element's own character data.
class ElementWalker {
 public:
  using Handler = std::function<void(const std::string& path, const std::string& text)>;

  explicit ElementWalker(Handler on_element) : on_element_(std::move(on_element)) {}

  // Returns an empty string on success, else "line L, column C: reason".
  std::string parse(std::string_view xml) {
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr),
                                                                        &XML_ParserFree);
    if (!parser) return "cannot create an XML parser";
    XML_SetUserData(parser.get(), this);
    XML_SetElementHandler(parser.get(), &ElementWalker::start, &ElementWalker::end);
    XML_SetCharacterDataHandler(parser.get(), &ElementWalker::chars);
    if (xml.size() > static_cast<size_t>(INT32_MAX)) return "document too large";
    if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) {
      return fmt::format("line {}, column {}: {}", XML_GetCurrentLineNumber(parser.get()),
                         XML_GetCurrentColumnNumber(parser.get()),
                         XML_ErrorString(XML_GetErrorCode(parser.get())));
    }
    return {};
  }

 private:
  static void start(void* self_ptr, const XML_Char* name, const XML_Char**) {
    auto* self = static_cast<ElementWalker*>(self_ptr);
    std::string_view local(name);
    if (size_t colon = local.rfind(':'); colon != std::string_view::npos) local.remove_prefix(colon + 1);
    self->lengths_.push_back(self->path_.size());
    if (!self->path_.empty()) self->path_ += '/';
    self->path_ += local;
    self->texts_.emplace_back();
  }
  static void end(void* self_ptr, const XML_Char*) {
    auto* self = static_cast<ElementWalker*>(self_ptr);
    self->on_element_(self->path_, self->texts_.back());
    self->texts_.pop_back();
    self->path_.resize(self->lengths_.back());
    self->lengths_.pop_back();
  }
  static void chars(void* self_ptr, const XML_Char* s, int len) {
    auto* self = static_cast<ElementWalker*>(self_ptr);
    if (!self->texts_.empty()) self->texts_.back().append(s, static_cast<size_t>(len));
  }

  Handler on_element_;
  std::string path_;
  std::vector<size_t> lengths_;
  std::vector<std::string> texts_;
};

}  // namespace

ListPage parse_list_page(std::string_view xml) {
  ListPage page;
  bool root_seen = false;
  ListedObject current;
  ElementWalker walker([&](const std::string& path, const std::string& text) {
    if (path == "ListBucketResult") {
      root_seen = true;
    } else if (path == "ListBucketResult/Contents/Key") {
      current.key = text;
    } else if (path == "ListBucketResult/Contents/Size") {
      int64_t size = 0;
      std::from_chars(text.data(), text.data() + text.size(), size);
      current.size = size;
    } else if (path == "ListBucketResult/Contents") {
      if (!current.key.empty()) page.objects.push_back(std::move(current));
      current = {};
    } else if (path == "ListBucketResult/CommonPrefixes/Prefix") {
      page.common_prefixes.push_back(text);
    } else if (path == "ListBucketResult/IsTruncated") {
      page.truncated = text == "true";
    } else if (path == "ListBucketResult/NextContinuationToken") {
      page.next_continuation_token = text;
    }
  });
  std::string error = walker.parse(xml);
  if (!error.empty()) throw std::runtime_error("malformed ListObjectsV2 answer: " + error);
  if (!root_seen) throw std::runtime_error("ListObjectsV2 answer without ListBucketResult");
  if (page.truncated && page.next_continuation_token.empty()) {
    throw std::runtime_error("ListObjectsV2 answer is truncated but has no NextContinuationToken");
  }
  return page;
}

S3ErrorDocument parse_error_document(std::string_view xml) {
  S3ErrorDocument doc;
  ElementWalker walker([&](const std::string& path, const std::string& text) {
    if (path == "Error/Code") doc.code = text;
    if (path == "Error/Message") doc.message = text;
    if (path == "Error/RequestId") doc.request_id = text;
  });
  if (!walker.parse(xml).empty()) return {};
  return doc;
}

}  // namespace lambdascope::store
