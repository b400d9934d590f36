#include "store/checkpoint_store.hpp"

#include "store/digest.hpp"
#include "store/transaction.hpp"

namespace llmopt {
namespace {

// Inserts the checkpoint's row; returns its id.
result<long long> insert_checkpoint(database& db, const checkpoint& c) {
  auto insert = db.prepare(
      "INSERT INTO checkpoints (at_ms, aggregates, dedup, counters) VALUES (?1, ?2, ?3, ?4) "
      "RETURNING id");
  if (!insert) return insert.err();
  insert->bind_int64(1, c.at).bind_blob(2, c.aggregates).bind_blob(3, c.dedup);
  insert->bind_text(4, c.counters);
  auto row = insert->step();
  if (!row) return row.err();
  LLMOPT_ASSERT(*row);  // RETURNING yields the inserted row
  long long id = insert->column_int64(0);
  // Run the statement to its end: COMMIT refuses while a write is in progress.
  auto done = insert->run();
  if (!done) return done.err();
  return id;
}

status insert_positions(database& db, long long id,
                        const std::vector<partition_position>& positions) {
  auto insert = db.prepare(
      R"(INSERT INTO checkpoint_positions (checkpoint_id, topic, "partition", next_offset) )"
      "VALUES (?1, ?2, ?3, ?4)");
  if (!insert) return insert.err();
  for (const auto& p : positions) {
    insert->reset();
    insert->bind_int64(1, id).bind_text(2, p.topic).bind_int64(3, p.partition);
    insert->bind_int64(4, p.offset);
    auto done = insert->run();
    if (!done)
      return error{done.err().code, "position of " + p.topic + " partition " +
                                        std::to_string(p.partition) + ": " + done.err().detail};
  }
  return ok_status();
}

// Deletes all but the newest `keep` checkpoints and `pinned`; their positions
// go with them (ON DELETE CASCADE; database::open turns foreign keys on).
status prune(database& db, int keep, long long pinned) {
  auto drop = db.prepare(
      "DELETE FROM checkpoints WHERE id <> ?2 AND id NOT IN "
      "(SELECT id FROM checkpoints ORDER BY id DESC LIMIT ?1)");
  if (!drop) return drop.err();
  drop->bind_int64(1, keep).bind_int64(2, pinned);
  return drop->run();
}

result<std::vector<partition_position>> read_positions(database& db, long long id) {
  auto select = db.prepare(R"(SELECT topic, "partition", next_offset FROM checkpoint_positions )"
                           R"(WHERE checkpoint_id = ?1 ORDER BY topic, "partition")");
  if (!select) return select.err();
  select->bind_int64(1, id);
  std::vector<partition_position> out;
  for (;;) {
    auto row = select->step();
    if (!row) return row.err();
    if (!*row) return out;
    out.push_back(partition_position{select->column_text(0),
                                     static_cast<int>(select->column_int64(1)),
                                     select->column_int64(2)});
  }
}

// The newest checkpoint, or the one numbered `id` when it is above 0.
result<std::optional<checkpoint>> read_one(database& db, long long id) {
  auto select = db.prepare(
      "SELECT id, at_ms, aggregates, dedup, counters FROM checkpoints "
      "WHERE ?1 <= 0 OR id = ?1 ORDER BY id DESC LIMIT 1");
  if (!select) return select.err();
  select->bind_int64(1, id);
  auto row = select->step();
  if (!row) return row.err();
  if (!*row) return std::optional<checkpoint>{};
  checkpoint c;
  c.id = select->column_int64(0);
  c.at = select->column_int64(1);
  c.aggregates = select->column_blob(2);
  c.dedup = select->column_blob(3);
  c.counters = select->column_text(4);
  auto positions = read_positions(db, c.id);
  if (!positions) return positions.err();
  c.positions = std::move(*positions);
  return std::optional<checkpoint>{std::move(c)};
}

}  // namespace

result<long long> checkpoint_store::save(const checkpoint& c, int keep, long long pinned) {
  auto failed = [&](const error& e) {
    return error{e.code, "cannot save the checkpoint at " + std::to_string(c.at) + " to " +
                             db_.path() + ": " + e.detail};
  };
  if (keep < 1)
    return failed(
        error{store_errc::general, "keep must be at least 1, not " + std::to_string(keep)});
  auto tx = transaction::begin(db_);
  if (!tx) return failed(tx.err());
  auto id = insert_checkpoint(db_, c);
  if (!id) return failed(id.err());
  auto placed = insert_positions(db_, *id, c.positions);
  if (!placed) return failed(placed.err());
  auto pruned = prune(db_, keep, pinned);
  if (!pruned) return failed(pruned.err());
  auto committed = tx->commit();
  if (!committed) return failed(committed.err());
  return *id;
}

result<std::optional<checkpoint>> checkpoint_store::latest() {
  return by_id(0);
}

result<std::optional<checkpoint>> checkpoint_store::by_id(long long id) {
  // One read transaction, so that the row and its positions come from one
  // snapshot: a save committed between the two SELECTs (keep = 1) deletes the
  // positions being read. (The unfinished first SELECT would hold a snapshot
  // too, but only as long as no one resets it early.)
  auto tx = transaction::begin_read(db_);
  if (!tx) return tx.err();
  auto found = read_one(db_, id);
  if (!found)
    return error{found.err().code, "cannot read " +
                                       (id > 0 ? "checkpoint " + std::to_string(id)
                                               : std::string("the latest checkpoint")) +
                                       " from " + db_.path() + ": " + found.err().detail};
  auto ended = tx->commit();
  if (!ended) return ended.err();
  return found;
}

result<std::string> store_identity(database& db) {
  auto select = db.prepare("SELECT id FROM store_identity LIMIT 1");
  if (!select) return select.err();
  auto row = select->step();
  if (!row) return row.err();
  if (*row) return select->column_text(0);
  auto random = random_hex(12);
  if (!random) return random.err();
  const std::string id = "store-" + *random;
  auto insert = db.prepare("INSERT INTO store_identity (id) VALUES (?1)");
  if (!insert) return insert.err();
  insert->bind_text(1, id);
  auto done = insert->run();
  if (!done) return done.err();
  return id;
}

}  // namespace llmopt
