// The XML documents S3 answers with, parsed with expat: a ListObjectsV2 page and an error. Only the
// elements we use are kept; anything else (owner, storage class, namespaces) is ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lambdascope::store {

struct ListedObject {
  std::string key;
  int64_t size = 0;
};

struct ListPage {
  std::vector<ListedObject> objects;
  std::vector<std::string> common_prefixes;  // with a delimiter: the "folders"
  bool truncated = false;
  std::string next_continuation_token;
};

struct S3ErrorDocument {
  std::string code;  // "NoSuchBucket", "SlowDown", ...; empty when the body was not an S3 error
  std::string message;
  std::string request_id;
};

// Throws std::runtime_error naming the line and column of malformed XML or a missing ListBucketResult.
ListPage parse_list_page(std::string_view xml);
// Never throws: a body that is not an S3 error document (an HTML page from a proxy) gives empty fields.
S3ErrorDocument parse_error_document(std::string_view xml);

}  // namespace lambdascope::store
