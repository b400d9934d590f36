#include "store/statement.hpp"

#include <sqlite3.h>

#include <utility>

#include "store/errc.hpp"

namespace llmopt {
namespace {

// SQLite binds NULL, not an empty value, for a null pointer, which an empty
// std::string_view may hold.
const char* non_null(std::string_view value) {
  return value.data() ? value.data() : "";
}

}  // namespace

statement::statement(statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_failure_(std::move(other.bind_failure_)) {}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_failure_ = std::move(other.bind_failure_);
  }
  return *this;
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

void statement::note_bind(int rc, int index) {
  if (rc != SQLITE_OK && bind_failure_.empty())
    bind_failure_ = "bind of parameter " + std::to_string(index) + ": " + sqlite3_errstr(rc);
}

statement& statement::bind_int64(int index, long long value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

statement& statement::bind_double(int index, double value) {
  note_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

statement& statement::bind_text(int index, std::string_view value) {
  note_bind(sqlite3_bind_text64(stmt_, index, non_null(value), value.size(), SQLITE_TRANSIENT,
                                SQLITE_UTF8),
            index);
  return *this;
}

statement& statement::bind_blob(int index, std::string_view bytes) {
  note_bind(sqlite3_bind_blob64(stmt_, index, non_null(bytes), bytes.size(), SQLITE_TRANSIENT),
            index);
  return *this;
}

statement& statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

result<bool> statement::step() {
  if (!bind_failure_.empty())
    return error{store_errc::general, bind_failure_ + " in: " + sqlite3_sql(stmt_)};
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string detail = sqlite3_errmsg(db_);
  // The statement stays usable after a failure once it is reset.
  sqlite3_reset(stmt_);
  return error{store_errc::general, detail + " in: " + sqlite3_sql(stmt_)};
}

status statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return row.err();
    if (!*row) return ok_status();
  }
}

long long statement::column_int64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double statement::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string statement::column_text(int index) const {
  auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (!text) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::string statement::column_blob(int index) const {
  // sqlite3_column_blob first, then the size: the order SQLite documents.
  auto bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  if (!bytes) return {};
  return std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

bool statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_failure_.clear();
}

}  // namespace llmopt
