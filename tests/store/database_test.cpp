#include "store/database.hpp"

#include <filesystem>

#include <catch2/catch.hpp>

#include "store/transaction.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

std::string journal_mode(database& db) {
  auto stmt = db.prepare("PRAGMA journal_mode");
  REQUIRE(stmt);
  auto row = stmt->step();
  REQUIRE(row);
  REQUIRE(*row);
  return stmt->column_text(0);
}

long long count_rows(database& db, const std::string& table) {
  auto stmt = db.prepare("SELECT COUNT(*) FROM " + table);
  REQUIRE(stmt);
  auto row = stmt->step();
  REQUIRE(row);
  REQUIRE(*row);
  return stmt->column_int64(0);
}

TEST_CASE("read_write open creates the file and its parent directories, in WAL mode") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("state/nested/llmopt.db");
  auto db = database::open(path, open_mode::read_write);
  REQUIRE(db);
  CHECK(std::filesystem::is_regular_file(path));
  CHECK(journal_mode(*db) == "wal");
  CHECK(db->path() == path);
}

TEST_CASE("read_only open of a missing store names the path and what to do") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("nowhere/llmopt.db");
  auto db = database::open(path, open_mode::read_only);
  REQUIRE_FALSE(db);
  CHECK(db.err().code == store_errc::missing);
  CHECK(db.err().detail ==
        "no llmopt store at " + path + " (has `llmopt serve` run with this config?)");
  CHECK_FALSE(std::filesystem::exists(dir.file("nowhere")));
}

TEST_CASE("a read_only connection sees the data and cannot write") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  {
    auto writer = database::open(path, open_mode::read_write);
    REQUIRE(writer);
    REQUIRE(writer->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"));
  }
  auto reader = database::open(path, open_mode::read_only);
  REQUIRE(reader);
  CHECK(count_rows(*reader, "t") == 1);
  CHECK(journal_mode(*reader) == "wal");
  auto write = reader->exec("INSERT INTO t VALUES (2)");
  REQUIRE_FALSE(write);
  CHECK(write.err().code == store_errc::general);
  CHECK(count_rows(*reader, "t") == 1);
}

TEST_CASE("a file that is not a database is an error, not a crash") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  llmopt::test::write_file(path, std::string(4096, 'x'));
  auto db = database::open(path, open_mode::read_write);
  REQUIRE_FALSE(db);
  CHECK(db.err().code == store_errc::general);
  CHECK(db.err().detail.find("not a database") != std::string::npos);
}

TEST_CASE("a statement binds and reads back integers, doubles, text and null") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n TEXT)"));
  auto insert = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
  REQUIRE(insert);
  std::string text = std::string("with") + '\0' + "nul and ünïcode";
  insert->bind_int64(1, 9'007'199'254'740'993LL).bind_double(2, 0.1).bind_text(3, text);
  insert->bind_null(4);
  REQUIRE(insert->run());

  auto select = db->prepare("SELECT i, d, s, n FROM t");
  REQUIRE(select);
  auto row = select->step();
  REQUIRE(row);
  REQUIRE(*row);
  CHECK(select->column_int64(0) == 9'007'199'254'740'993LL);
  CHECK(select->column_double(1) == 0.1);
  CHECK(select->column_text(2) == text);
  CHECK(select->column_is_null(3));
  CHECK_FALSE(select->column_is_null(2));
  CHECK(select->column_text(3).empty());
  row = select->step();
  REQUIRE(row);
  CHECK_FALSE(*row);

  select->reset();
  row = select->step();
  REQUIRE(row);
  CHECK(*row);
}

TEST_CASE("a blob keeps every byte, and empty text or blob is not NULL") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t (b BLOB, empty_b BLOB, empty_s TEXT)"));
  std::string bytes;
  for (int i = 0; i < 512; ++i)
    bytes += static_cast<char>(i % 256);
  auto insert = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3)");
  REQUIRE(insert);
  insert->bind_blob(1, bytes).bind_blob(2, std::string_view()).bind_text(3, std::string_view());
  REQUIRE(insert->run());

  auto select =
      db->prepare("SELECT b, typeof(b), empty_b, typeof(empty_b), typeof(empty_s) FROM t");
  REQUIRE(select);
  auto row = select->step();
  REQUIRE(row);
  REQUIRE(*row);
  CHECK(select->column_blob(0) == bytes);
  CHECK(select->column_text(1) == "blob");
  CHECK(select->column_blob(2).empty());
  CHECK(select->column_text(3) == "blob");
  CHECK(select->column_text(4) == "text");
}

TEST_CASE("a bind out of range is reported by step, and reset clears it") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  auto stmt = db->prepare("SELECT ?1");
  REQUIRE(stmt);
  stmt->bind_int64(2, 5);
  auto row = stmt->step();
  REQUIRE_FALSE(row);
  CHECK(row.err().detail.find("parameter 2") != std::string::npos);
  stmt->reset();
  stmt->bind_int64(1, 5);
  row = stmt->step();
  REQUIRE(row);
  CHECK(stmt->column_int64(0) == 5);
}

TEST_CASE("prepare of bad SQL is an error that quotes the SQL") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  auto stmt = db->prepare("SELEKT 1");
  REQUIRE_FALSE(stmt);
  CHECK(stmt.err().detail.find("SELEKT 1") != std::string::npos);
}

TEST_CASE("a transaction commits explicitly and rolls back on scope exit") {
  llmopt::test::temp_dir dir;
  auto db = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(db);
  REQUIRE(db->exec("CREATE TABLE t (x INTEGER)"));
  {
    auto tx = transaction::begin(*db);
    REQUIRE(tx);
    REQUIRE(db->exec("INSERT INTO t VALUES (1)"));
    REQUIRE(tx->commit());
  }
  {
    auto tx = transaction::begin(*db);
    REQUIRE(tx);
    REQUIRE(db->exec("INSERT INTO t VALUES (2)"));
  }
  CHECK(count_rows(*db, "t") == 1);
  // The connection is usable for a new transaction after the rollback.
  auto tx = transaction::begin(*db);
  CHECK(tx);
}

TEST_CASE("a read transaction sees one snapshot while another connection commits") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  auto writer = database::open(path, open_mode::read_write);
  REQUIRE(writer);
  REQUIRE(writer->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"));
  auto reader = database::open(path, open_mode::read_only);
  REQUIRE(reader);
  {
    auto tx = transaction::begin_read(*reader);
    REQUIRE(tx);
    CHECK(count_rows(*reader, "t") == 1);
    REQUIRE(writer->exec("INSERT INTO t VALUES (2)"));
    CHECK(count_rows(*reader, "t") == 1);
    REQUIRE(tx->commit());
  }
  CHECK(count_rows(*reader, "t") == 2);
}

TEST_CASE("a moved-from database leaves the connection with the new owner") {
  llmopt::test::temp_dir dir;
  auto opened = database::open(dir.file("llmopt.db"), open_mode::read_write);
  REQUIRE(opened);
  database db = std::move(*opened);
  REQUIRE(db.exec("CREATE TABLE t (x INTEGER)"));
  auto other = database::open(dir.file("other.db"), open_mode::read_write);
  REQUIRE(other);
  db = std::move(*other);
  CHECK(db.path() == dir.file("other.db"));
  CHECK(db.exec("CREATE TABLE t (x INTEGER)"));
}

}  // namespace
}  // namespace llmopt
