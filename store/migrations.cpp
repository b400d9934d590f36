#include "store/migrations.hpp"

#include <iterator>

#include "store/transaction.hpp"

namespace llmopt {
namespace {

// One step of the schema. Append only: step i (0-based) takes the file from
// version i to version i + 1. Never edit or reorder a released step.
struct migration {
  const char* what;  // for error messages
  const char* sql;
};

constexpr migration steps[] = {
    {"v1: decision log and config snapshots", R"sql(
CREATE TABLE decisions (
  id        INTEGER PRIMARY KEY,  -- decision.id, given by the decision actor
  at_ms     INTEGER NOT NULL,
  route     TEXT NOT NULL,
  "trigger" TEXT NOT NULL,
  body      TEXT NOT NULL         -- the whole decision as JSON (decision_record.hpp)
);
CREATE INDEX decisions_by_route ON decisions (route, id);
CREATE INDEX decisions_by_time ON decisions (at_ms);

CREATE TABLE config_snapshots (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms   INTEGER NOT NULL,
  source  TEXT NOT NULL,          -- where the text came from, e.g. the config file path
  text    TEXT NOT NULL,          -- the raw config file; secrets only as ${VAR}
  sha256  TEXT NOT NULL           -- lowercase hex digest of text
);
)sql"},
    {"v2: pipeline checkpoints", R"sql(
CREATE TABLE checkpoints (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the highest is the newest
  at_ms       INTEGER NOT NULL,
  aggregates  BLOB NOT NULL,    -- the aggregator's state, opaque bytes
  dedup       BLOB NOT NULL,    -- the dedup window, opaque bytes
  counters    TEXT NOT NULL     -- JSON
);

-- Where each Kafka partition resumes when its checkpoint is restored.
CREATE TABLE checkpoint_positions (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE CASCADE,
  topic         TEXT NOT NULL,
  "partition"   INTEGER NOT NULL,
  next_offset   INTEGER NOT NULL,  -- the next offset to consume
  PRIMARY KEY (checkpoint_id, topic, "partition")
) WITHOUT ROWID;
)sql"},
    {"v3: spend ledger", R"sql(
-- One row per billed upstream call: what it cost and whom it is charged to.
CREATE TABLE spend_ledger (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms         INTEGER NOT NULL,
  key_id        TEXT NOT NULL,     -- the caller's API key id; '' without one
  route         TEXT NOT NULL,     -- '' when the request named provider:model
  model         TEXT NOT NULL,     -- provider:model that served the call
  decision_id   INTEGER NOT NULL,  -- the decision whose weights chose it; 0 without a route
  request_id    TEXT NOT NULL,
  input_tokens  INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  usd           REAL NOT NULL
);
CREATE INDEX spend_ledger_by_key ON spend_ledger (key_id, at_ms);
CREATE INDEX spend_ledger_by_route ON spend_ledger (route, at_ms);
CREATE INDEX spend_ledger_by_decision ON spend_ledger (decision_id);
)sql"},
    {"v4: API keys", R"sql(
-- The secret of a key is never stored: only its SHA-256 (store/api_keys.hpp).
CREATE TABLE api_keys (
  id             TEXT PRIMARY KEY,       -- public: "key_" + random hex, not derived from the secret
  name           TEXT NOT NULL,
  secret_sha256  TEXT NOT NULL UNIQUE,   -- lowercase hex SHA-256 of the whole key
  routes         TEXT NOT NULL,          -- JSON array of routes and model ids; [] = all
  budget_usd     REAL,                   -- NULL: no budget
  period         TEXT NOT NULL,          -- 'day' or 'month'
  rpm            INTEGER,                -- NULL: no limit
  tpm            INTEGER,
  created_ms     INTEGER NOT NULL,
  revoked_ms     INTEGER                 -- NULL while the key is valid
);
)sql"},
    {"v5: store identity", R"sql(
-- The name this file's checkpoints go by among the instances of a consumer
-- group (kafka.topics.checkpoints): random, made once, one row.
CREATE TABLE store_identity (
  id TEXT NOT NULL
);
)sql"},
};

constexpr int known_version = static_cast<int>(std::size(steps));

error too_new(const database& db, int version) {
  return error{store_errc::too_new, "the llmopt store at " + db.path() + " has schema version " +
                                        std::to_string(version) +
                                        ", but this llmopt knows versions " + "up to " +
                                        std::to_string(known_version) +
                                        ": it was written by a newer llmopt; upgrade llmopt"};
}

// Applies step `index` if the file is still at version `index`. The version is
// read again inside the transaction: another writer may have got there first.
status apply(database& db, int index) {
  auto tx = transaction::begin(db);
  if (!tx) return tx.err();
  auto version = schema_version(db);
  if (!version) return version.err();
  if (*version > known_version) return too_new(db, *version);
  if (*version > index) return ok_status();
  const migration& step = steps[index];
  auto done = db.exec(step.sql);
  if (!done)
    return error{done.err().code, std::string("migration ") + step.what + ": " + done.err().detail};
  auto bumped = db.exec("PRAGMA user_version = " + std::to_string(index + 1));
  if (!bumped) return bumped.err();
  return tx->commit();
}

}  // namespace

int latest_schema_version() {
  return known_version;
}

result<int> schema_version(database& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.err();
  auto row = stmt->step();
  if (!row) return error{row.err().code, db.path() + ": " + row.err().detail};
  if (!*row) return error{store_errc::general, db.path() + ": PRAGMA user_version returned no row"};
  return static_cast<int>(stmt->column_int64(0));
}

status migrate(database& db) {
  return migrate_to(db, known_version);
}

status migrate_to(database& db, int target) {
  if (target < 0 || target > known_version)
    return error{store_errc::general, "cannot migrate " + db.path() + " to schema version " +
                                          std::to_string(target) + ": this llmopt knows 0 to " +
                                          std::to_string(known_version)};
  auto version = schema_version(db);
  if (!version) return version.err();
  if (*version > known_version) return too_new(db, *version);
  for (int index = *version; index < target; ++index) {
    auto applied = apply(db, index);
    if (!applied) return applied;
  }
  return ok_status();
}

status check_schema(database& db) {
  auto version = schema_version(db);
  if (!version) return version.err();
  if (*version > known_version) return too_new(db, *version);
  if (*version == 0)
    return error{store_errc::missing,
                 "no llmopt store at " + db.path() +
                     " (the file exists but holds no llmopt schema; has `llmopt "
                     "serve` run with this config?)"};
  return ok_status();
}

result<database> open_store(const std::string& path, open_mode mode) {
  auto db = database::open(path, mode);
  if (!db) return db;
  auto ready = mode == open_mode::read_write ? migrate(*db) : check_schema(*db);
  if (!ready) return ready.err();
  return db;
}

}  // namespace llmopt
