#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decision/model_key.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// One saved version of the configuration file.
struct config_snapshot {
  long long id = 0;    // increasing; never reused, even after rows are deleted
  time_ms at = 0;      // when it was saved
  std::string source;  // where the text came from: a file path, "<built-in>", ...
  std::string sha256;  // lowercase hex SHA-256 of text (store/digest.hpp)
  std::string text;    // the raw file; empty in list() results
};

// The history of the configuration, for `llmopt config` diff and rollback.
//
// SECRETS CONTRACT: the text saved is the raw config file as the operator
// wrote it. Callers guarantee it holds secrets only as references (`${VAR}`),
// never their values: pass the file as read, before environment expansion.
// This class stores the text as given and does not check.
//
// Ownership and threads: as decision_log (a database it does not own; the
// store actor writes, readers use their own read_only connection).
class config_snapshots {
 public:
  explicit config_snapshots(database& db) : db_(db) {}

  // Saves `text` as the newest snapshot, unless the newest snapshot already
  // has this exact text: then nothing changes (a restart with an unchanged
  // file adds no row). Text equal to an older snapshot is saved again.
  status save(time_ms at, const std::string& source, const std::string& text);

  // Up to `limit` snapshots, newest first, WITHOUT their text (use find for
  // it). A limit <= 0 means no limit.
  result<std::vector<config_snapshot>> list(int limit);

  // The snapshot with this id, with its text; empty when there is none.
  result<std::optional<config_snapshot>> find(long long id);

 private:
  database& db_;
};

}  // namespace llmopt
