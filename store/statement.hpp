#pragma once

#include <string>
#include <string_view>

#include "decision/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace llmopt {

// A prepared SQL statement (RAII around sqlite3_stmt*), made by
// database::prepare. Move-only; the destructor finalizes it. It must not
// outlive the database that prepared it, and is used by that database's
// owner only.
//
// Parameters are numbered from 1 (as `?1`, `?2` in the SQL); result columns
// from 0. A bind that fails (index out of range) is reported by the next
// step(), so a sequence of binds needs no checks of its own.
class statement {
 public:
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  statement& bind_int64(int index, long long value);
  statement& bind_double(int index, double value);
  // Text and blobs are copied by SQLite; an empty value is stored as an empty
  // text or blob, never as NULL.
  statement& bind_text(int index, std::string_view value);
  statement& bind_blob(int index, std::string_view bytes);  // any bytes, NUL included
  statement& bind_null(int index);

  // Advances to the next row: true when a row is available, false when the
  // statement has finished. A SQLITE_BUSY past the busy timeout, a constraint
  // violation or an earlier failed bind are errors.
  result<bool> step();

  // Runs a statement that returns no rows (INSERT, UPDATE, ...) to the end.
  status run();

  // REQUIRES: the last step() returned true.
  long long column_int64(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;  // empty for NULL
  std::string column_blob(int index) const;  // the bytes as stored; empty for NULL
  bool column_is_null(int index) const;

  // Makes the statement ready to step again from the start; clears bindings
  // and any bind failure.
  void reset();

 private:
  friend class database;
  statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void note_bind(int rc, int index);

  sqlite3* db_ = nullptr;         // not owned
  sqlite3_stmt* stmt_ = nullptr;  // owned
  std::string bind_failure_;      // the first bind that failed since reset()
};

}  // namespace llmopt
