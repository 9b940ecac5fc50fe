// The default sink: a local directory. Each object is written to a temporary file in its final folder and
// renamed into place, so readers never see half an object, and metadata is not stored (the key holds it).
#pragma once

#include <string>

#include "store/sink.hpp"

namespace lambdascope::store {

class DirectorySink : public Sink {
 public:
  explicit DirectorySink(std::string root);  // creates root if missing; throws StoreError
  void put(const std::string& key, std::string_view body, const ObjectMetadata& metadata) override;
  std::string describe() const override { return "file://" + root_; }

 private:
  std::string root_;
};

}  // namespace lambdascope::store
