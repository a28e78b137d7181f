// The operator registry: one row per (domain, op), versions ascending, lookup picks the
// newest version <= the model's opset, and misses name what is missing.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "registry.h"

using namespace onyx;

TEST_CASE("every (domain, op) has exactly one row with ascending versions and a factory") {
  std::set<std::string> seen;
  for (const OpEntry& e : op_table()) {
    std::string key = std::string(e.domain) + "::" + e.op_type;
    CHECK_MESSAGE(seen.insert(key).second, "duplicate row for ", key);
    CHECK_MESSAGE(e.versions[0] > 0, key, " lists no version");
    for (int i = 1; e.versions[i] != 0; ++i) CHECK_MESSAGE(e.versions[i] > e.versions[i - 1], key);
    CHECK((e.create != nullptr));
    CHECK_MESSAGE(e.dtypes != 0, key, " declares no dtypes");
    CHECK(e.create() != nullptr);
  }
  CHECK(seen.size() > 150);
}

TEST_CASE("lookup picks the newest schema version not above the opset") {
  Result<OpMatch> m = find_op("", "Clip", 12);
  REQUIRE(m.ok());
  CHECK(m->since_version == 12);
  m = find_op("ai.onnx", "Clip", 10);
  REQUIRE(m.ok());
  CHECK(m->since_version == 6);
  m = find_op("", "Softmax", 17);
  REQUIRE(m.ok());
  CHECK(m->since_version == 13);
}

TEST_CASE("lookup misses say what is missing") {
  Result<OpMatch> m = find_op("", "NoSuchOp", 13);
  CHECK(m.status().code() == Code::kUnsupported);
  CHECK(m.status().message().find("'NoSuchOp'") != std::string::npos);
  CHECK(m.status().message().find("opset 13") != std::string::npos);
  m = find_op("", "Trilu", 13);  // introduced in 14
  CHECK(m.status().code() == Code::kUnsupported);
  CHECK(m.status().message().find("needs opset >= 14") != std::string::npos);
  m = find_op("com.example", "Relu", 1);
  CHECK(m.status().message().find("com.example") != std::string::npos);
}
