#include "store/transaction.hpp"

#include <utility>

namespace llmopt {

result<transaction> transaction::begin(database& db) {
  auto begun = db.exec("BEGIN IMMEDIATE");
  if (!begun) return begun.err();
  return transaction(db);
}

result<transaction> transaction::begin_read(database& db) {
  auto begun = db.exec("BEGIN DEFERRED");
  if (!begun) return begun.err();
  return transaction(db);
}

transaction::transaction(transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

transaction::~transaction() {
  // ROLLBACK of an open transaction does not fail in practice, and a
  // destructor has no one to report to.
  if (db_) db_->exec("ROLLBACK");
}

status transaction::commit() {
  LLMOPT_ASSERT(db_ != nullptr);
  auto committed = db_->exec("COMMIT");
  if (committed) db_ = nullptr;
  return committed;
}

}  // namespace llmopt
