#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decision/decision_record.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// The log of routing decisions, with their reasons and candidate
// assessments, in the `decisions` table. Each decision is stored whole as
// JSON (decision_record.hpp's to_json: the trigger and reasons as data and
// in words), with id, time, route and the trigger in words copied to
// columns for lookups.
//
// Ownership: refers to a database it does not own, which must outlive it and
// be migrated (migrations.hpp). Threads: as the database; the writer is the
// store actor, readers (the CLI) use their own read_only connection.
//
// Order: "newest" means the highest id. Ids are given by the decision actor,
// which issues them in increasing order and continues from last_id() after a
// restart.
class decision_log {
 public:
  explicit decision_log(database& db) : db_(db) {}

  // Appends every decision of `batch` in one transaction: all or nothing. A
  // decision whose id is already stored (or repeated in the batch) fails the
  // whole batch. An empty batch is a no-op.
  status append(const std::vector<decision>& batch);
  // The same for decisions followed from other instances' decisions topic,
  // which a restart reads again: those whose id is stored are left as
  // they are.
  status keep(const std::vector<decision>& batch);

  // Up to `limit` decisions, newest first; of one route when `route` is set.
  // A limit <= 0 means no limit.
  result<std::vector<decision>> list(const std::optional<std::string>& route, int limit);

  // The decision with this id; empty when there is none.
  result<std::optional<decision>> find(long long id);

  // The highest stored id; 0 when the log is empty.
  result<long long> last_id();

 private:
  status insert(const std::vector<decision>& batch, const char* on_conflict);

  database& db_;
};

}  // namespace llmopt
