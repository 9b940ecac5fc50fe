#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "formats/format.hpp"
#include "formats/parse_error.hpp"
#include "formats/pprof_test_support.hpp"
#include "profile.pb.h"
#include "support/test_support.hpp"

namespace lambdascope::formats {
namespace {

namespace pb = perftools::profiles;
using testing::describe_meta;
using testing::describe_samples;
using testing::read_as;
using testing::shared_data;

profile::Profile read_pprof_bytes(std::string bytes, ReadOptions options = {}) {
  return read_as(Format::kPprof, "test.pb", std::move(bytes), options);
}

std::string serialize(const pb::Profile& p) {
  std::string s;
  EXPECT_TRUE(p.SerializeToString(&s));
  return s;
}

// The ParseError message `bytes` produce, or "" when they parse.
std::string error_of(std::string bytes) {
  try {
    read_pprof_bytes(std::move(bytes));
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

std::string stack_and_values(const std::string& described) {
  return described.substr(0, described.find(" t="));
}

// An independent decoding of a profile with libprotobuf's generated classes, as the reader should see it: one
// line per sample, root-first frames "name|module|file:line;" and the values.
std::vector<std::string> oracle(const std::string& bytes) {
  pb::Profile p;
  EXPECT_TRUE(p.ParseFromString(bytes));
  auto s = [&](int64_t i) { return p.string_table(static_cast<int>(i)); };
  std::map<uint64_t, const pb::Mapping*> mappings;
  std::map<uint64_t, const pb::Function*> functions;
  std::map<uint64_t, const pb::Location*> locations;
  for (const auto& m : p.mapping()) mappings[m.id()] = &m;
  for (const auto& f : p.function()) functions[f.id()] = &f;
  for (const auto& l : p.location()) locations[l.id()] = &l;
  std::map<uint64_t, std::string> location_text;  // root-first frames of each location
  for (const auto& [id, loc] : locations) {
    std::string& t = location_text[id];
    std::string module = loc->mapping_id() ? s(mappings.at(loc->mapping_id())->filename()) : "";
    if (loc->line_size() == 0) t += fmt::format("0x{:x}|{}|:0;", loc->address(), module);
    for (int j = loc->line_size() - 1; j >= 0; --j) {
      const pb::Function* f = functions.at(loc->line(j).function_id());
      std::string name = s(f->name()).empty() ? s(f->system_name()) : s(f->name());
      t += fmt::format("{}|{}|{}:{};", name, module, s(f->filename()), loc->line(j).line());
    }
  }
  std::vector<std::string> out;
  for (const pb::Sample& sample : p.sample()) {
    std::string line;
    for (int i = sample.location_id_size() - 1; i >= 0; --i) line += location_text.at(sample.location_id(i));
    line += " values=";
    for (int64_t v : sample.value()) line += fmt::format("{},", v);
    out.push_back(line);
  }
  return out;
}

class SharedPprofFile : public ::testing::TestWithParam<const char*> {};

TEST_P(SharedPprofFile, MatchesAnIndependentDecoding) {
  std::string bytes = testing::read_file(shared_data(GetParam()));
  EXPECT_EQ(sniff(bytes.substr(0, 65536)), Format::kPprof);
  profile::Profile p = read_pprof_bytes(bytes);
  std::vector<std::string> expected = oracle(bytes);
  std::vector<std::string> got = describe_samples(p, /*with_kinds=*/false);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(stack_and_values(got[i]), expected[i]) << "sample " << i;
  pb::Profile raw;
  ASSERT_TRUE(raw.ParseFromString(bytes));
  ASSERT_EQ(p.meta.sample_types.size(), static_cast<size_t>(raw.sample_type_size()));
  for (int i = 0; i < raw.sample_type_size(); ++i) {
    EXPECT_EQ(p.meta.sample_types[i].type, raw.string_table(static_cast<int>(raw.sample_type(i).type())));
    EXPECT_EQ(p.meta.sample_types[i].unit, raw.string_table(static_cast<int>(raw.sample_type(i).unit())));
  }
  EXPECT_EQ(p.meta.period, raw.period());
  EXPECT_EQ(p.meta.time_nanos, raw.time_nanos());
  EXPECT_EQ(p.meta.duration_ns, raw.duration_nanos());
  EXPECT_EQ(p.meta.attribute(profile::attr::kSourceFormat), "pprof");
}

INSTANTIATE_TEST_SUITE_P(Pprof, SharedPprofFile,
                         ::testing::Values("pprof/go-cpu.pb.gz", "pprof/pprof-testdata/large.cpu",
                                           "pprof/speedscope-samples/simple.prof"));

TEST(PprofReader, GoCpuProfileTotalsAsGoToolPprofReportsThem) {
  // `go tool pprof -raw` on this file: 525 samples, 586 samples/count, 5.86e9 cpu/nanoseconds.
  profile::Profile p = read_profile_file(shared_data("pprof/go-cpu.pb.gz"));
  EXPECT_EQ(p.num_samples(), 525u);
  EXPECT_EQ(p.total(0), 586);
  EXPECT_EQ(p.total(1), 5.86e9);
  EXPECT_EQ(p.meta.period_type, (profile::ValueType{"cpu", "nanoseconds"}));
  EXPECT_EQ(p.meta.period, 10000000);
  EXPECT_EQ(p.meta.default_value_index(), 1u);
}

// A small profile with every feature the reader maps: mappings (kernel, JIT, plain), inlined lines, an
// unsymbolized location, labels of each kind, comments and pprof's string fields.
pb::Profile feature_profile() {
  pb::Profile p;
  std::vector<std::string> strings = {"",
                                      "samples",
                                      "count",
                                      "cpu",
                                      "nanoseconds",
                                      "/usr/bin/app",
                                      "[kernel.kallsyms]",
                                      "/tmp/perf-42.map",
                                      "main",
                                      "app.c",
                                      "helper",
                                      "leaf",
                                      "do_syscall_64",
                                      "LazyCompile:*run",
                                      "end_timestamp_ns",
                                      "thread id",
                                      "thread name",
                                      "worker-1",
                                      "pid",
                                      "request_id",
                                      "abc",
                                      "bytes",
                                      "size",
                                      "cmdline: ./app --fast",
                                      "built at noon",
                                      "malloc|free",
                                      "https://example.com/doc",
                                      "_Z4mainv",
                                      "lambdascope.region: eu-west-1",
                                      "start_ns: 1000",
                                      "cpu"};
  for (const auto& s : strings) p.add_string_table(s);
  auto vt = [](pb::ValueType* v, int t, int u) {
    v->set_type(t);
    v->set_unit(u);
  };
  vt(p.add_sample_type(), 1, 2);
  vt(p.add_sample_type(), 3, 4);
  vt(p.mutable_period_type(), 3, 4);
  p.set_period(1000000);
  p.set_time_nanos(1700000000000000000);
  p.set_duration_nanos(5000000000);
  p.set_default_sample_type(1);
  p.set_drop_frames(25);
  p.set_doc_url(26);
  p.add_comment(23);
  p.add_comment(24);
  p.add_comment(28);
  p.add_comment(29);
  auto mapping = [&](uint64_t id, int file) {
    pb::Mapping* m = p.add_mapping();
    m->set_id(id);
    m->set_filename(file);
  };
  mapping(1, 5);
  mapping(2, 6);
  mapping(3, 7);
  auto function = [&](uint64_t id, int name, int system_name, int file) {
    pb::Function* f = p.add_function();
    f->set_id(id);
    f->set_name(name);
    f->set_system_name(system_name);
    f->set_filename(file);
  };
  function(1, 0, 27, 9);  // no name: the system name stands in
  function(2, 10, 10, 9);
  function(3, 11, 11, 9);
  function(4, 12, 12, 0);
  function(5, 13, 13, 0);
  auto location = [&](uint64_t id, uint64_t mapping_id, uint64_t address,
                      std::vector<std::pair<uint64_t, int64_t>> lines) {
    pb::Location* l = p.add_location();
    l->set_id(id);
    l->set_mapping_id(mapping_id);
    l->set_address(address);
    for (auto [f, line] : lines) {
      pb::Line* ln = l->add_line();
      ln->set_function_id(f);
      ln->set_line(line);
    }
  };
  location(1, 1, 0x1000, {{1, 10}});             // main
  location(2, 1, 0x2000, {{3, 30}, {2, 20}});    // leaf inlined into helper
  location(3, 2, 0xffffffff81000000, {{4, 0}});  // kernel
  location(4, 3, 0x7f0000001000, {{5, 0}});      // JIT
  location(5, 1, 0x4005d6, {});                  // unsymbolized
  auto sample = [&](std::vector<uint64_t> locs, std::vector<int64_t> values) {
    pb::Sample* s = p.add_sample();
    for (uint64_t l : locs) s->add_location_id(l);
    for (int64_t v : values) s->add_value(v);
    return s;
  };
  auto label = [](pb::Sample* s, int key, int str, int64_t num, int unit) {
    pb::Label* l = s->add_label();
    l->set_key(key);
    l->set_str(str);
    l->set_num(num);
    l->set_num_unit(unit);
  };
  pb::Sample* s1 = sample({3, 2, 1}, {1, 1000000});
  label(s1, 14, 0, 1700000000123456789, 4);
  label(s1, 15, 0, 77, 0);
  label(s1, 16, 17, 0, 0);
  label(s1, 18, 0, 4242, 0);
  label(s1, 30, 0, 3, 0);
  label(s1, 19, 20, 0, 0);
  label(s1, 21, 0, 512, 22);
  pb::Sample* s2 = sample({4, 5}, {2, 2000000});
  label(s2, 15, 0, 78, 0);
  label(s2, 15, 0, 79, 0);  // a second thread id: kept as a label
  return p;
}

TEST(PprofReader, MapsEveryFeatureToTheModel) {
  profile::Profile p = read_pprof_bytes(serialize(feature_profile()));
  std::vector<std::string> got = describe_samples(p);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(
      got[0],
      "_Z4mainv|/usr/bin/app|app.c:10|native;helper|/usr/bin/app|app.c:20|native;"
      "leaf|/usr/bin/app|app.c:30|inlined;do_syscall_64|[kernel.kallsyms]|:0|kernel; values=1,1000000, "
      "t=1700000000123456789 pid=4242 tid=77 cpu=3 comm=worker-1 labels=bytes=512size,request_id=\"abc\",");
  EXPECT_EQ(got[1],
            "0x4005d6|/usr/bin/app|:0|native;LazyCompile:*run|/tmp/perf-42.map|:0|jit; values=2,2000000, "
            "t=-9223372036854775808 pid=-1 tid=78 cpu=-1 comm= labels=thread id=79,");
  const profile::Metadata& m = p.meta;
  EXPECT_EQ(m.default_sample_type, 0);
  EXPECT_EQ(m.period, 1000000);
  EXPECT_EQ(m.time_nanos, 1700000000000000000);
  EXPECT_EQ(m.duration_ns, 5000000000);
  EXPECT_EQ(m.start_ns, 1000);
  EXPECT_EQ(m.end_ns, profile::kNoTime);
  EXPECT_EQ(m.comments, std::vector<std::string>{"built at noon"});
  EXPECT_EQ(m.attribute("cmdline"), "./app --fast");
  EXPECT_EQ(m.attribute("region"), "eu-west-1");
  EXPECT_EQ(m.attribute("drop_frames"), "malloc|free");
  EXPECT_EQ(m.attribute("doc_url"), "https://example.com/doc");
  EXPECT_EQ(m.attribute("time_clock"), "unix");  // samples carry end_timestamp_ns
}

TEST(PprofReader, TakesThreadAndProcessIdsWrittenAsStrings) {
  pb::Profile p;
  for (const char* s :
       {"", "samples", "count", "thread id", "12", "pid", "x7", "timestamp_ns", "thread name"})
    p.add_string_table(s);
  p.add_sample_type()->set_type(1);
  pb::Sample* s = p.add_sample();
  s->add_value(1);
  pb::Label* l = s->add_label();
  l->set_key(3);
  l->set_str(4);
  l = s->add_label();
  l->set_key(5);
  l->set_str(6);  // not a number: stays a label
  l = s->add_label();
  l->set_key(7);
  l->set_num(99);
  l = s->add_label();
  l->set_key(8);  // a numeric thread name is no thread name (nor anything else)
  l->set_num(5);
  profile::Profile out = read_pprof_bytes(serialize(p));
  EXPECT_EQ(out.samples.tid[0], 12);
  EXPECT_EQ(out.samples.pid[0], -1);
  EXPECT_EQ(out.samples.time_ns[0], 99);
  EXPECT_EQ(describe_samples(out)[0],
            " values=1, t=99 pid=-1 tid=12 cpu=-1 comm= labels=pid=\"x7\",thread name=5,");
}

TEST(PprofReader, UnknownDefaultSampleTypeWarnsAndFallsBackToTheLast) {
  pb::Profile p = feature_profile();
  p.set_default_sample_type(9);  // "app.c"
  std::vector<std::string> warnings;
  ReadOptions o;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  profile::Profile out = read_pprof_bytes(serialize(p), o);
  EXPECT_EQ(out.meta.default_sample_type, -1);
  EXPECT_EQ(out.meta.default_value_index(), 1u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("default_sample_type \"app.c\""), std::string::npos) << warnings[0];
  // The feature profile's one location without lines is counted too.
  EXPECT_NE(
      warnings[1].find(": 1 of " + std::to_string(out.frames.size()) + " frames are unsymbolized addresses"),
      std::string::npos)
      << warnings[1];
}

TEST(PprofReader, AcceptsStringsThatAreNotUtf8) {
  pb::Profile p;
  for (const char* s : {"", "samples", "count", "caf\xe9", "\xff\xfe"}) p.add_string_table(s);
  p.add_sample_type()->set_type(1);
  p.add_function()->set_id(1);
  p.mutable_function(0)->set_name(3);
  p.mutable_function(0)->set_filename(4);
  p.add_location()->set_id(1);
  p.mutable_location(0)->add_line()->set_function_id(1);
  p.add_sample()->add_location_id(1);
  p.mutable_sample(0)->add_value(1);
  // libprotobuf refuses to serialize invalid UTF-8 in a proto3 string, so encode the table by hand.
  std::string bytes;
  pb::Profile no_strings = p;
  no_strings.clear_string_table();
  no_strings.SerializeToString(&bytes);
  for (const std::string& s : p.string_table()) {
    bytes += '\x32';  // field 6, length-delimited
    bytes += static_cast<char>(s.size());
    bytes += s;
  }
  profile::Profile out = read_pprof_bytes(bytes);
  ASSERT_EQ(out.num_samples(), 1u);
  std::string got = describe_samples(out)[0];
  EXPECT_EQ(got.substr(0, got.find(' ')), "caf\xe9||\xff\xfe:0|native;");
}

TEST(PprofReader, AggregateOptionSumsIdenticalSamples) {
  pb::Profile p = feature_profile();
  *p.add_sample() = p.sample(0);
  *p.add_sample() = p.sample(0);
  ReadOptions o;
  o.aggregate = true;
  profile::Profile out = read_pprof_bytes(serialize(p), o);
  EXPECT_EQ(out.num_samples(), 2u);
  EXPECT_EQ(out.total(0), 5);
  EXPECT_EQ(out.samples.time_ns[0], profile::kNoTime);  // aggregation drops time
}

TEST(PprofReader, EmptyProfileIsEmpty) {
  pb::Profile p;
  p.add_string_table("");
  p.set_period(7);
  profile::Profile out = read_pprof_bytes(serialize(p));
  EXPECT_EQ(out.num_samples(), 0u);
  EXPECT_EQ(out.meta.period, 7);
}

// --- bad input ---

TEST(PprofReaderErrors, TruncatedInputNamesTheByteWhereItBreaks) {
  std::string bytes = testing::read_file(shared_data("pprof/go-cpu.pb.gz"));
  for (size_t cut : {size_t{3}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    try {
      read_pprof_bytes(bytes.substr(0, cut));
      ADD_FAILURE() << "no error for a cut at " << cut;
    } catch (const ParseError& e) {
      EXPECT_LT(e.byte_offset(), cut) << e.what();
      std::string what = e.what();
      EXPECT_TRUE(what.find("remain") != std::string::npos || what.find("ends inside") != std::string::npos)
          << what;
      EXPECT_EQ(what.find("test.pb: byte "), 0u) << what;
    }
  }
}

TEST(PprofReaderErrors, LengthPastTheEndIsReportedAtItsOffset) {
  std::string bytes = serialize(feature_profile());
  size_t at = bytes.size();
  bytes += "\x12\x64\x0a";  // field 2 (sample), 100 bytes, but 1 follows
  try {
    read_pprof_bytes(bytes);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.byte_offset(), at + 1);
    EXPECT_NE(std::string(e.what()).find("field 2 (sample) of Profile declares 100 bytes, but only 1 remain"),
              std::string::npos)
        << e.what();
  }
}

TEST(PprofReaderErrors, WrongWireTypeForAKnownField) {
  std::string bytes = serialize(feature_profile());
  bytes += "\x10\x01";  // field 2 (sample) as a varint
  EXPECT_NE(
      error_of(bytes).find("field 2 (sample) of Profile has wire type varint, but profile.proto declares "
                           "length-delimited"),
      std::string::npos)
      << error_of(bytes);
  // Inside a sample: value (field 2) as a 64-bit field.
  pb::Profile p = feature_profile();
  p.mutable_sample(0)->clear_value();
  std::string sample;
  p.sample(0).SerializeToString(&sample);
  sample += "\x11" + std::string(8, '\0');
  p.clear_sample();
  std::string head = serialize(p);
  head += '\x12';
  head += static_cast<char>(sample.size());
  head += sample;
  std::string e = error_of(head);
  EXPECT_NE(e.find("sample 1: field 2 (value) of Sample has wire type 64-bit"), std::string::npos) << e;
}

TEST(PprofReaderErrors, Garbage) {
  std::string e = error_of("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  EXPECT_NE(e.find("byte 0: the field tag is a varint longer than 10 bytes"), std::string::npos) << e;
  e = error_of(std::string("\x0b\x00", 2));
  EXPECT_NE(e.find("group"), std::string::npos) << e;
  e = error_of(std::string("\x00\x01", 2));
  EXPECT_NE(e.find("invalid field number 0"), std::string::npos) << e;
  e = error_of("\x0f");
  EXPECT_NE(e.find("invalid wire type 7"), std::string::npos) << e;
}

struct BadReference {
  const char* name;
  void (*mutate)(pb::Profile&);
  const char* message;
};

class PprofBadReference : public ::testing::TestWithParam<BadReference> {};

TEST_P(PprofBadReference, IsAParseErrorNamingTheElement) {
  pb::Profile p = feature_profile();
  GetParam().mutate(p);
  std::string e = error_of(serialize(p));
  EXPECT_NE(e.find(GetParam().message), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(
    Pprof, PprofBadReference,
    ::testing::Values(
        BadReference{"location", [](pb::Profile& p) { p.mutable_sample(1)->set_location_id(0, 99); },
                     "sample 2 refers to location id 99, which is not defined"},
        BadReference{"function",
                     [](pb::Profile& p) { p.mutable_location(1)->mutable_line(1)->set_function_id(42); },
                     "location id 2 line 2 refers to function id 42, which is not defined"},
        BadReference{"mapping", [](pb::Profile& p) { p.mutable_location(2)->set_mapping_id(7); },
                     "location id 3 refers to mapping id 7, which is not defined"},
        BadReference{"string", [](pb::Profile& p) { p.mutable_function(2)->set_filename(500); },
                     "function 3 filename refers to string 500, but the string table has 31 entries"},
        BadReference{"negative_string", [](pb::Profile& p) { p.mutable_sample_type(1)->set_unit(-2); },
                     "sample_type 2 unit refers to string -2"},
        BadReference{"label", [](pb::Profile& p) { p.mutable_sample(0)->mutable_label(2)->set_str(31); },
                     "sample 1 label refers to string 31"},
        BadReference{"comment", [](pb::Profile& p) { p.add_comment(1000); }, "comment refers to string 1000"},
        BadReference{"values", [](pb::Profile& p) { p.mutable_sample(1)->add_value(3); },
                     "sample 2 has 3 values, but the profile declares 2 sample types"},
        BadReference{"too_few_values", [](pb::Profile& p) { p.mutable_sample(0)->clear_value(); },
                     "sample 1 has 0 values, but the profile declares 2 sample types"},
        BadReference{"location_id_zero", [](pb::Profile& p) { p.mutable_location(0)->set_id(0); },
                     "location 1 has id 0, which pprof reserves"},
        BadReference{"duplicate_function", [](pb::Profile& p) { p.mutable_function(1)->set_id(1); },
                     "function 2 has id 1, which an earlier function has too"},
        BadReference{"duplicate_mapping", [](pb::Profile& p) { p.mutable_mapping(2)->set_id(1); },
                     "mapping 3 has id 1, which an earlier mapping has too"},
        BadReference{"string_table_0", [](pb::Profile& p) { p.set_string_table(0, "x"); },
                     "string_table[0] must be the empty string, but it is \"x\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PprofReaderErrors, ConcatenatedProfilesAreRefused) {
  std::string one = serialize(feature_profile());
  std::string e = error_of(one + one);
  EXPECT_NE(e.find("two profiles concatenated"), std::string::npos) << e;
}

TEST(PprofReaderErrors, HugeLocationRepeatedManyTimesIsRefusedNotExpanded) {
  // One location of 2000 lines, referenced 1000 times by one sample: 8 KB of input, 2 million frames if
  // expanded.
  pb::Profile p;
  p.add_string_table("");
  p.add_string_table("f");
  p.add_sample_type()->set_type(1);
  p.add_function()->set_id(1);
  p.mutable_function(0)->set_name(1);
  pb::Location* l = p.add_location();
  l->set_id(1);
  for (int i = 0; i < 2000; ++i) l->add_line()->set_function_id(1);
  pb::Sample* s = p.add_sample();
  s->add_value(1);
  for (int i = 0; i < 1000; ++i) s->add_location_id(1);
  std::string e = error_of(serialize(p));
  EXPECT_NE(e.find("far more than a profile"), std::string::npos) << e;
}

TEST(PprofReaderErrors, CliPrintsOneLineExitsTwoAndWritesNothing) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  std::string bytes = testing::read_file(shared_data("pprof/go-cpu.pb.gz"));
  {
    std::ofstream f(dir + "/cut.pb", std::ios::binary);
    f << bytes.substr(0, bytes.size() / 2);
  }
  auto r = testing::run_command(testing::binary_path() + " convert --to pprof " + dir + "/cut.pb -o " + dir +
                                "/out.pb.gz");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("cut.pb: byte "), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.pb.gz"));
}

}  // namespace
}  // namespace lambdascope::formats
