#include "store/database.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace llmopt {
namespace {

constexpr int busy_timeout_ms = 5000;

error missing_store(const std::string& path) {
  return error{store_errc::missing,
               "no llmopt store at " + path + " (has `llmopt serve` run with this config?)"};
}

status make_parent_directories(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return ok_status();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec)
    return error{store_errc::general,
                 "cannot create directory " + parent.string() + ": " + ec.message()};
  return ok_status();
}

}  // namespace

result<database> database::open(const std::string& path, open_mode mode) {
  int flags = SQLITE_OPEN_NOMUTEX;
  if (mode == open_mode::read_write) {
    auto made = make_parent_directories(path);
    if (!made) return made.err();
    flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return missing_store(path);
    flags |= SQLITE_OPEN_READONLY;
  }
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  // From here on `db` owns the handle, which SQLite allocates even on failure.
  database db(handle, path, mode);
  if (rc != SQLITE_OK) return db.last_error("cannot open " + path);
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  sqlite3_extended_result_codes(handle, 1);

  // journal_mode is persistent in the file: only the writer sets it, and it
  // reports the mode in effect, which must be WAL for readers and the writer
  // to work side by side.
  std::string pragmas = "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";
  if (mode == open_mode::read_only) pragmas += " PRAGMA query_only = ON;";
  auto set = db.exec(pragmas);
  if (!set) return set.err();
  if (mode == open_mode::read_write) {
    auto wal = db.prepare("PRAGMA journal_mode = WAL");
    if (!wal) return error{wal.err().code, path + ": " + wal.err().detail};
    auto row = wal->step();
    if (!row) return error{row.err().code, path + ": " + row.err().detail};
    if (!*row || wal->column_text(0) != "wal")
      return error{store_errc::general, path + ": cannot switch to WAL journal mode"};
  }
  return db;
}

database::database(sqlite3* handle, std::string path, open_mode mode)
    : handle_(handle), path_(std::move(path)), mode_(mode) {}

database::database(database&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      path_(std::move(other.path_)),
      mode_(other.mode_) {}

database& database::operator=(database&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = std::exchange(other.handle_, nullptr);
    path_ = std::move(other.path_);
    mode_ = other.mode_;
  }
  return *this;
}

database::~database() {
  close();
}

void database::close() {
  // sqlite3_close_v2 defers the close until every statement is finalized, so
  // a statement that wrongly outlives us does not leak the connection.
  if (handle_) sqlite3_close_v2(handle_);
  handle_ = nullptr;
}

status database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  std::string detail = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return error{store_errc::general, path_ + ": " + detail + " in: " + sql};
}

result<statement> database::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc =
      sqlite3_prepare_v2(handle_, sql.c_str(), static_cast<int>(sql.size() + 1), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return last_error("cannot prepare: " + sql);
  }
  return statement(handle_, stmt);
}

error database::last_error(const std::string& what) const {
  return error{store_errc::general, what + ": " + sqlite3_errmsg(handle_)};
}

}  // namespace llmopt
