#pragma once

#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// A transaction on one connection: it ends by an explicit commit(), or is
// rolled back when the guard goes out of scope (early return on an error, or
// a commit that failed). Move-only; it must not outlive the database, and
// transactions do not nest.
class transaction {
 public:
  // A write transaction. It begins with BEGIN IMMEDIATE: the write lock is
  // taken at the start, so a writer waits (up to the busy timeout) instead of
  // failing half-way when another connection writes. Readers in WAL mode are
  // never blocked.
  static result<transaction> begin(database& db);

  // A read transaction (BEGIN DEFERRED), also on read_only connections: every
  // statement in it reads the same snapshot of the file, taken at its first
  // read, whatever other connections commit meanwhile. For reads that span
  // several statements; end it with commit() or by scope exit.
  static result<transaction> begin_read(database& db);

  transaction(transaction&& other) noexcept;
  transaction& operator=(transaction&&) = delete;
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction();

  // Makes the changes durable (as far as synchronous=NORMAL goes). Whether it
  // succeeds or fails, the transaction is over afterwards: a failed commit is
  // rolled back by the destructor.
  status commit();

 private:
  explicit transaction(database& db) : db_(&db) {}

  database* db_ = nullptr;  // not owned; null once committed or moved from
};

}  // namespace llmopt
