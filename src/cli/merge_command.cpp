// `lambdascope merge`: merges stored profiles straight from S3 prefixes, directory stores or profile files
// into one pprof, streaming (store::merge_stored): each object is read, folded into the merger and dropped,
// so the memory used grows with the distinct stacks, not with the number of profiles.
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/store_query_flags.hpp"
#include "formats/output_file.hpp"
#include "formats/writers.hpp"
#include "profile/merge.hpp"
#include "store/stored_profiles.hpp"

namespace lambdascope::cli {

namespace {
struct MergeFlags {
  std::vector<std::string> sources;
  std::string output;
  StoreQueryFlags filters;
  bool keep_times = false;
};
}  // namespace

Action add_merge_command(CLI::App& app) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd =
      app.add_subcommand("merge", "Merge stored profiles (S3 prefixes, directories, files) into one pprof");
  cmd->footer(
      "Filters select by object key (function, start hour, phase, duration), so excluded profiles are not\n"
      "downloaded. Per-sample times are dropped unless --keep-times (which costs memory per sample).\n\n"
      "Examples:\n"
      "  lambdascope merge s3://bucket/prof --function api --since 1h --phase invoke -o api.pb.gz\n"
      "  lambdascope merge cache/ --slowest 10 -o slowest.pb.gz && go tool pprof -top slowest.pb.gz");
  cmd->add_option("SOURCE", flags->sources, "s3://BUCKET/PREFIX, a directory store or a profile file")
      ->required();
  cmd->add_option("-o,--output", flags->output, "Merged pprof (gzip'd) output file")->required();
  cmd->add_flag("--keep-times", flags->keep_times, "Keep per-sample timestamps (needs memory per sample)");
  flags->filters.add_to(cmd);
  return [flags] {
    store::StoredMergeOptions options;
    options.jobs = flags->filters.jobs;
    options.keep_times = flags->keep_times;
    store::StoredMerge merged;
    try {
      merged = store::merge_stored(flags->sources, flags->filters.query(), options);
    } catch (const profile::MergeError& e) {
      if (!flags->filters.profile_type.empty()) throw;
      // A store with what runtimes left in the extension's inbox holds CPU and heap profiles side by side.
      throw profile::MergeError(std::string(e.what()) +
                                " (choose one kind with --profile-type: agent, cpu, heap, ...)");
    }
    std::string bytes = formats::write_pprof(merged.profile);
    formats::OutputFile out(flags->output);
    out.write(bytes);
    out.commit();
    std::fprintf(stderr, "lambdascope merge: %zu profiles merged into %s\n", merged.count,
                 flags->output.c_str());
    return 0;
  };
}

}  // namespace lambdascope::cli
