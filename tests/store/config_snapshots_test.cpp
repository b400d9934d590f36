#include "store/config_snapshots.hpp"

#include <catch2/catch.hpp>

#include "store/digest.hpp"
#include "tests/store/store_test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

using store_test::open_migrated;

const std::string config_a = "[providers.openai]\napi_key = \"${OPENAI_API_KEY}\"\n";
const std::string config_b = config_a + "\n[[routes]]\nname = \"chat\"\n";

std::vector<long long> ids_of(const std::vector<config_snapshot>& snapshots) {
  std::vector<long long> ids;
  for (const auto& s : snapshots)
    ids.push_back(s.id);
  return ids;
}

TEST_CASE("saving the same text as the newest snapshot adds no row") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  config_snapshots snapshots(db);
  REQUIRE(snapshots.save(1000, "/etc/llmopt/llmopt.toml", config_a));
  REQUIRE(snapshots.save(2000, "/etc/llmopt/llmopt.toml", config_a));

  auto all = snapshots.list(0);
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().at == 1000);
}

TEST_CASE("text equal to an older snapshot but not the newest is saved again") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  config_snapshots snapshots(db);
  REQUIRE(snapshots.save(1000, "a.toml", config_a));
  REQUIRE(snapshots.save(2000, "a.toml", config_b));
  REQUIRE(snapshots.save(3000, "rollback", config_a));
  auto all = snapshots.list(0);
  REQUIRE(all);
  CHECK(ids_of(*all) == std::vector<long long>{3, 2, 1});
  CHECK(all->front().sha256 == all->back().sha256);
}

TEST_CASE("list puts the newest first, respects the limit and leaves out the text") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  config_snapshots snapshots(db);
  REQUIRE(snapshots.save(1000, "a.toml", config_a));
  REQUIRE(snapshots.save(2000, "b.toml", config_b));
  REQUIRE(snapshots.save(3000, "c.toml", config_a));

  auto newest_two = snapshots.list(2);
  REQUIRE(newest_two);
  CHECK(ids_of(*newest_two) == std::vector<long long>{3, 2});
  const config_snapshot& newest = newest_two->front();
  CHECK(newest.at == 3000);
  CHECK(newest.source == "c.toml");
  CHECK(newest.sha256 == sha256_hex(config_a));
  CHECK(newest.text.empty());
}

TEST_CASE("find returns a snapshot with its text, or nothing for an unknown id") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  config_snapshots snapshots(db);
  REQUIRE(snapshots.save(1000, "a.toml", config_b));
  auto listed = snapshots.list(1);
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  long long id = listed->front().id;

  auto found = snapshots.find(id);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->id == id);
  CHECK((*found)->at == 1000);
  CHECK((*found)->source == "a.toml");
  CHECK((*found)->text == config_b);
  CHECK((*found)->sha256 == sha256_hex(config_b));

  auto missing = snapshots.find(id + 1);
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("snapshots saved by the writer are read by a read_only connection") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  auto writer_db = open_migrated(path);
  config_snapshots writer(writer_db);
  REQUIRE(writer.save(1000, "a.toml", config_a));

  auto reader_db = open_store(path, open_mode::read_only);
  REQUIRE(reader_db);
  config_snapshots reader(*reader_db);
  auto saved = reader.save(2000, "b.toml", config_b);
  CHECK_FALSE(saved);
  REQUIRE(writer.save(2000, "b.toml", config_b));
  auto all = reader.list(0);
  REQUIRE(all);
  CHECK(ids_of(*all) == std::vector<long long>{2, 1});
}

}  // namespace
}  // namespace llmopt
