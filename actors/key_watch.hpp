#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/key_snapshot.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// Keeps a key_snapshot equal to the store's api_keys table. `llmopt keys`
// writes the table from another process; the watch notices through
// `PRAGMA data_version` (which changes when another connection commits), a
// cheap read, and only then reads the keys again.
class key_source {
 public:
  // `db`: a connection of its own (read_only is enough), to a migrated store.
  explicit key_source(database db) : db_(std::move(db)) {}

  // Replaces `snapshot` with the store's keys when they may have changed
  // since the last call (always on the first). On failure the snapshot is
  // left as it was.
  status refresh(key_snapshot& snapshot);

 private:
  database db_;
  long long seen_version_ = -1;
};

// Refreshes `snapshot` from `source` every `interval`, off the request path
// (a revoked key is refused within one interval). Blocking (SQLite): spawn
// it detached.
caf::behavior key_watch_actor(caf::event_based_actor* self, std::shared_ptr<key_source> source,
                              std::shared_ptr<key_snapshot> snapshot,
                              std::chrono::milliseconds interval);

}  // namespace llmopt
