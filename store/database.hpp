#pragma once

#include <string>

#include "decision/result.hpp"
#include "store/errc.hpp"
#include "store/statement.hpp"

struct sqlite3;

namespace llmopt {

enum class open_mode {
  read_write,  // creates the file and its parent directories; the store actor's mode
  read_only,   // the file must exist; for the CLI and other readers
};

// One SQLite connection (RAII around sqlite3*). Move-only; the destructor
// closes the connection.
//
// Settings applied on open: journal_mode=WAL (read_write; the mode persists in
// the file), synchronous=NORMAL, foreign_keys=ON, busy_timeout=5 s; read_only
// connections also set query_only. WAL allows one writer (the store actor)
// and any number of readers (CLI processes) at the same time.
//
// Threads: a connection and the statements prepared on it belong to one
// owner (an actor) and must not be used from two threads at once. Opened in
// SQLite's multi-thread mode: the owner may move between threads.
class database {
 public:
  // REQUIRES: path names a file (not ":memory:").
  static result<database> open(const std::string& path, open_mode mode);

  database(database&& other) noexcept;
  database& operator=(database&& other) noexcept;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database();

  // Runs one or more SQL statements that return no rows of interest.
  status exec(const std::string& sql);

  // A prepared statement on this connection. It must not outlive *this.
  result<statement> prepare(const std::string& sql);

  const std::string& path() const { return path_; }
  open_mode mode() const { return mode_; }

  // An llmopt::error with code store_errc::general: `what`, then SQLite's last
  // message on this connection.
  error last_error(const std::string& what) const;

 private:
  database(sqlite3* handle, std::string path, open_mode mode);
  void close();

  sqlite3* handle_ = nullptr;  // owned
  std::string path_;
  open_mode mode_ = open_mode::read_only;
};

}  // namespace llmopt
