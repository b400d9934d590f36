#include "store/migrations.hpp"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

bool has_table(database& db, const std::string& name) {
  auto stmt = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  REQUIRE(stmt);
  stmt->bind_text(1, name);
  auto row = stmt->step();
  REQUIRE(row);
  return *row;
}

TEST_CASE("migrate brings a new file to the latest version and is idempotent") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  auto before = schema_version(*db);
  REQUIRE(before);
  CHECK(*before == 0);

  REQUIRE(migrate(*db));
  auto after = schema_version(*db);
  REQUIRE(after);
  CHECK(latest_schema_version() == 5);
  CHECK(*after == 5);
  CHECK(has_table(*db, "decisions"));
  CHECK(has_table(*db, "config_snapshots"));
  CHECK(has_table(*db, "checkpoints"));
  CHECK(has_table(*db, "checkpoint_positions"));
  CHECK(has_table(*db, "spend_ledger"));
  CHECK(has_table(*db, "api_keys"));

  REQUIRE(migrate(*db));
  auto again = schema_version(*db);
  REQUIRE(again);
  CHECK(*again == 5);
}

TEST_CASE("migrate_to stops at the version asked for, and migrate goes on from there") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  REQUIRE(migrate_to(*db, 1));
  auto v1 = schema_version(*db);
  REQUIRE(v1);
  CHECK(*v1 == 1);
  CHECK(has_table(*db, "decisions"));
  CHECK_FALSE(has_table(*db, "checkpoints"));

  REQUIRE(migrate_to(*db, 0));  // an older target leaves the file as it is
  auto out_of_range = migrate_to(*db, latest_schema_version() + 1);
  REQUIRE_FALSE(out_of_range);
  CHECK(out_of_range.err().code == store_errc::general);

  REQUIRE(migrate(*db));
  auto latest = schema_version(*db);
  REQUIRE(latest);
  CHECK(*latest == latest_schema_version());
  CHECK(has_table(*db, "checkpoints"));
}

TEST_CASE("migrate on a reopened file applies nothing twice") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  {
    auto db = open_store(path, open_mode::read_write);
    REQUIRE(db);
    REQUIRE(
        db->exec("INSERT INTO config_snapshots (at_ms, source, text, sha256) "
                 "VALUES (1, 'f', 't', 'h')"));
  }
  auto db = open_store(path, open_mode::read_write);
  REQUIRE(db);
  auto stmt = db->prepare("SELECT COUNT(*) FROM config_snapshots");
  REQUIRE(stmt);
  REQUIRE(stmt->step());
  CHECK(stmt->column_int64(0) == 1);
}

TEST_CASE("a store written by a newer llmopt is refused, and left as it is") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  {
    auto db = open_store(path, open_mode::read_write);
    REQUIRE(db);
    REQUIRE(db->exec("PRAGMA user_version = 7"));
  }
  auto writer = database::open(path, open_mode::read_write);
  REQUIRE(writer);
  auto migrated = migrate(*writer);
  REQUIRE_FALSE(migrated);
  CHECK(migrated.err().code == store_errc::too_new);
  CHECK(migrated.err().detail ==
        "the llmopt store at " + path +
            " has schema version 7, but this llmopt knows versions up to 5: it was written by "
            "a newer llmopt; upgrade llmopt");
  auto version = schema_version(*writer);
  REQUIRE(version);
  CHECK(*version == 7);

  auto reader = open_store(path, open_mode::read_only);
  REQUIRE_FALSE(reader);
  CHECK(reader.err().code == store_errc::too_new);
}

TEST_CASE("open_store read_only accepts a migrated store and refuses an empty file") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  {
    auto db = database::open(path, open_mode::read_write);
    REQUIRE(db);
  }
  auto empty = open_store(path, open_mode::read_only);
  REQUIRE_FALSE(empty);
  CHECK(empty.err().code == store_errc::missing);
  CHECK(empty.err().detail.find("no llmopt store at " + path) == 0);

  REQUIRE(open_store(path, open_mode::read_write));
  auto reader = open_store(path, open_mode::read_only);
  REQUIRE(reader);
  auto version = schema_version(*reader);
  REQUIRE(version);
  CHECK(*version == latest_schema_version());
}

}  // namespace
}  // namespace llmopt
