#include "store/config_snapshots.hpp"

#include "store/digest.hpp"
#include "store/transaction.hpp"

namespace llmopt {
namespace {

// Reads the columns id, at_ms, source, sha256 and, when `with_text`, text.
config_snapshot read_row(const statement& stmt, bool with_text) {
  config_snapshot s;
  s.id = stmt.column_int64(0);
  s.at = stmt.column_int64(1);
  s.source = stmt.column_text(2);
  s.sha256 = stmt.column_text(3);
  if (with_text) s.text = stmt.column_text(4);
  return s;
}

result<std::vector<config_snapshot>> read_all(statement& stmt, bool with_text) {
  std::vector<config_snapshot> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.err();
    if (!*row) return out;
    out.push_back(read_row(stmt, with_text));
  }
}

}  // namespace

status config_snapshots::save(time_ms at, const std::string& source, const std::string& text) {
  std::string digest = sha256_hex(text);
  // One transaction: the comparison with the newest row and the insert must
  // see the same table.
  auto tx = transaction::begin(db_);
  if (!tx) return tx.err();
  auto newest = db_.prepare("SELECT text FROM config_snapshots ORDER BY id DESC LIMIT 1");
  if (!newest) return newest.err();
  auto row = newest->step();
  if (!row) return row.err();
  if (*row && newest->column_text(0) == text) return ok_status();
  newest->reset();

  auto insert = db_.prepare(
      "INSERT INTO config_snapshots (at_ms, source, text, sha256) VALUES (?1, ?2, ?3, ?4)");
  if (!insert) return insert.err();
  insert->bind_int64(1, at).bind_text(2, source).bind_text(3, text).bind_text(4, digest);
  auto done = insert->run();
  if (!done)
    return error{done.err().code,
                 "cannot save a config snapshot to " + db_.path() + ": " + done.err().detail};
  return tx->commit();
}

result<std::vector<config_snapshot>> config_snapshots::list(int limit) {
  auto stmt = db_.prepare(
      "SELECT id, at_ms, source, sha256 FROM config_snapshots ORDER BY id DESC LIMIT ?1");
  if (!stmt) return stmt.err();
  stmt->bind_int64(1, limit > 0 ? limit : -1);  // SQLite: a negative LIMIT is no limit
  return read_all(*stmt, false);
}

result<std::optional<config_snapshot>> config_snapshots::find(long long id) {
  auto stmt =
      db_.prepare("SELECT id, at_ms, source, sha256, text FROM config_snapshots WHERE id = ?1");
  if (!stmt) return stmt.err();
  stmt->bind_int64(1, id);
  auto found = read_all(*stmt, true);
  if (!found) return found.err();
  if (found->empty()) return std::optional<config_snapshot>{};
  return std::optional<config_snapshot>{std::move(found->front())};
}

}  // namespace llmopt
