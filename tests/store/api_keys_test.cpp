#include "store/api_keys.hpp"

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "store/digest.hpp"
#include "tests/store/store_test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

using store_test::open_migrated;

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream out;
  out << f.rdbuf();
  return out.str();
}

TEST_CASE("a created key is stored as its hash only, with its policy") {
  llmopt::test::temp_dir dir;
  const auto path = dir.file("llmopt.db");
  key_policy policy;
  policy.routes = {"chat", "openai:gpt-4o"};
  policy.budget_usd = 12.5;
  policy.period = budget_period::day;
  policy.rpm = 60;
  std::string secret;
  {
    auto db = open_migrated(path);
    auto created = api_keys(db).create("team-a", policy, 1000);
    REQUIRE(created);
    secret = created->secret;
    CHECK(secret.rfind("llmopt-", 0) == 0);
    CHECK(secret.size() == 7 + 64);
    CHECK(created->record.id.rfind("key_", 0) == 0);
    CHECK(created->record.id.find(secret.substr(7, 12)) == std::string::npos);

    auto all = api_keys(db).list();
    REQUIRE(all);
    REQUIRE(all->size() == 1);
    const auto& k = all->front();
    CHECK(k.id == created->record.id);
    CHECK(k.name == "team-a");
    CHECK(k.secret_sha256 == sha256_hex(secret));
    CHECK(k.policy.routes == policy.routes);
    CHECK(k.policy.budget_usd == 12.5);
    CHECK(k.policy.period == budget_period::day);
    CHECK(k.policy.rpm == 60);
    CHECK_FALSE(k.policy.tpm);
    CHECK(k.created == 1000);
    CHECK_FALSE(k.revoked);
  }
  // Closed (WAL checkpointed into the file): the secret is nowhere in it.
  const auto bytes = file_bytes(path) + file_bytes(path + "-wal");
  CHECK(bytes.find(secret) == std::string::npos);
  CHECK(bytes.find(secret.substr(7)) == std::string::npos);
}

TEST_CASE("two keys never share a secret or an id") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  auto a = api_keys(db).create("a", {}, 1);
  auto b = api_keys(db).create("a", {}, 1);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->secret != b->secret);
  CHECK(a->record.id != b->record.id);
}

TEST_CASE("a key imported on another instance is the same key in the shared ledger") {
  llmopt::test::temp_dir dir;
  auto here = open_migrated(dir.file("here.db"));
  auto there = open_migrated(dir.file("there.db"));
  auto made = api_keys(here).create("team", {}, 1);
  REQUIRE(made);
  auto imported = api_keys(there).import("team", made->secret, {}, 2);
  REQUIRE(imported);
  // Another id on each instance, the same hash, hence the same ledger id.
  CHECK(imported->record.id != made->record.id);
  CHECK(imported->record.secret_sha256 == made->record.secret_sha256);
  const auto ledger_id = made->record.as_caller().ledger_id;
  CHECK(imported->record.as_caller().ledger_id == ledger_id);
  CHECK(ledger_id.size() == 32);
  // Neither the secret nor the hash the key tables hold.
  CHECK(made->secret.find(ledger_id) == std::string::npos);
  CHECK(made->record.secret_sha256.find(ledger_id) == std::string::npos);

  // Only what reads as a key; the error never repeats what was given.
  for (const std::string& bad : {std::string("llmopt-short"), "sk-" + std::string(64, 'a'),
                                 "llmopt-" + std::string(64, 'G'), std::string()}) {
    auto refused = api_keys(there).import("x", bad, {}, 3);
    REQUIRE_FALSE(refused);
    if (!bad.empty()) CHECK(refused.err().detail.find(bad) == std::string::npos);
  }
  // The same key twice on one instance is refused by the store.
  CHECK_FALSE(api_keys(there).import("again", made->secret, {}, 4));
}

TEST_CASE("revoke marks the key once and tells an unknown id") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  auto created = api_keys(db).create("ci", {}, 1000);
  REQUIRE(created);
  const auto id = created->record.id;

  auto revoked = api_keys(db).revoke(id, 2000);
  REQUIRE(revoked);
  CHECK(*revoked);
  auto again = api_keys(db).revoke(id, 3000);
  REQUIRE(again);
  CHECK(*again);
  auto unknown = api_keys(db).revoke("key_000000000000", 3000);
  REQUIRE(unknown);
  CHECK_FALSE(*unknown);

  auto all = api_keys(db).list();
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().revoked == 2000);
}

}  // namespace
}  // namespace llmopt
