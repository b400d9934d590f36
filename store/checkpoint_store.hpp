#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decision/model_key.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// Where consumption of one Kafka partition resumes.
struct partition_position {
  std::string topic;
  int partition = 0;
  long long offset = 0;  // the next offset to consume, not the last one consumed
};

// The pipeline's state at one moment, together with the Kafka positions it
// reflects: restoring the aggregates and resuming every partition at its
// offset continues as if the daemon had not stopped.
struct checkpoint {
  long long id = 0;                           // set by save(); ignored on input
  time_ms at = 0;                             // when it was taken
  std::string aggregates;                     // opaque bytes (may contain NUL)
  std::string dedup;                          // opaque bytes (may contain NUL)
  std::string counters;                       // JSON text
  std::vector<partition_position> positions;  // at most one per (topic, partition)
};

// The checkpoints of the pipeline, in the `checkpoints` and
// `checkpoint_positions` tables.
//
// CHECKPOINT RULE: a checkpoint and its positions are written in one
// transaction, so whatever stops the process (SIGKILL included) leaves the
// previous checkpoint or the new one, whole, never a mix. "Newest" means the
// last saved (the highest id), whatever its `at`.
//
// Ownership: refers to a database it does not own, which must outlive it and
// be migrated (migrations.hpp). Threads: as the database; the writer is the
// store actor, readers use their own read_only connection.
class checkpoint_store {
 public:
  explicit checkpoint_store(database& db) : db_(db) {}

  // Saves `c` (its id is ignored) as the newest checkpoint and deletes all but
  // the newest `keep` ones and the one numbered `pinned` (0: none), with their
  // positions, in one transaction: all or nothing. Returns the new id, higher
  // than every id before it. Fails, changing nothing, when two positions name
  // the same (topic, partition) or keep < 1.
  result<long long> save(const checkpoint& c, int keep = 2, long long pinned = 0);

  // The newest checkpoint with its blobs and positions (ordered by topic, then
  // partition), read from one snapshot of the file; empty when there is none.
  result<std::optional<checkpoint>> latest();
  // The checkpoint numbered `id`, the same way; empty when it is not kept.
  result<std::optional<checkpoint>> by_id(long long id);

 private:
  database& db_;
};

// The name of this file's checkpoints among the instances of a group: made
// at random the first time (in the store_identity table), the same for the
// file's life, whatever process opens it.
result<std::string> store_identity(database& db);

}  // namespace llmopt
