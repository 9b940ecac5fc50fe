#include "store/stored_profiles.hpp"

#include <filesystem>
#include <stdexcept>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"

namespace lambdascope::store {

namespace {
formats::ReadOptions read_options(const StoredMergeOptions& options) {
  formats::ReadOptions o;
  o.aggregate = !options.keep_times;
  o.threads = 1;  // the pool is the parallelism
  return o;
}
}  // namespace

void parse_objects(StoreReader& reader, const std::vector<StoredObject>& objects,
                   const StoredMergeOptions& options, const ParsedConsumer& consume) {
  using Parsed = std::shared_ptr<const profile::Profile>;
  // Timed and aggregated parses of one object differ: they are cached apart.
  const std::string base = reader.describe() + "/", id = (options.keep_times ? "timed:" : "") + base;
  const formats::ReadOptions ro = read_options(options);
  std::vector<StoredObject> missing;
  if (options.cache == nullptr) {
    missing = objects;
  } else {
    for (const StoredObject& o : objects) {
      if (Parsed p = options.cache->find(id + o.key)) {
        consume(o, p);
      } else {
        missing.push_back(o);
      }
    }
  }
  // Workers fetch and parse; only `consume` is serial.
  fetch_and_prepare_objects<Parsed>(
      reader, missing, options.jobs,
      [&](const StoredObject& o, std::string&& body) -> Parsed {
        auto in = formats::InputSource::from_memory(base + o.key, std::move(body));
        return std::make_shared<const profile::Profile>(formats::read_profile(*in, ro));
      },
      [&](const StoredObject& o, Parsed&& p) {
        if (options.cache) options.cache->insert(id + o.key, p);
        consume(o, p);
      });
}

void merge_objects(StoreReader& reader, const std::vector<StoredObject>& objects,
                   profile::ProfileMerger& merger, const StoredMergeOptions& options) {
  size_t done = 0;
  parse_objects(reader, objects, options,
                [&](const StoredObject&, const std::shared_ptr<const profile::Profile>& p) {
                  merger.add(*p);
                  if (options.progress) options.progress(++done, objects.size());
                });
}

StoredMerge merge_stored(const std::vector<std::string>& sources, const ProfileQuery& query,
                         const StoredMergeOptions& options) {
  profile::ProfileMerger merger;
  for (const auto& source : sources) {
    if (std::filesystem::is_regular_file(source)) {
      merger.add(formats::read_profile_file(source, read_options(options)));
      continue;
    }
    auto reader = open_store_reader(source);
    merge_objects(*reader, reader->list(query), merger, options);
  }
  if (merger.count() == 0) {
    throw std::invalid_argument("no profile matches the filters in " + sources.front() +
                                (sources.size() > 1 ? " and the other sources" : ""));
  }
  StoredMerge out;
  out.count = merger.count();
  out.profile = merger.take();
  return out;
}

}  // namespace lambdascope::store
