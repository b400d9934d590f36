#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "config/config_changes.hpp"
#include "config/loader.hpp"
#include "config/settings.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// A configuration applied to the running daemon.
struct applied_config {
  long long snapshot_id = 0;  // the snapshot it was saved as
  std::string source;         // "SIGHUP FILE", "POST /admin/v1/config", "rollback to N"
  config_changes changes;     // against the configuration it replaced
};

// Why a configuration was not applied; nothing changed. Codes:
//   "config"            invalid: the detail says file, line, key (loader.hpp)
//   "restart_required"  it changes settings a running daemon cannot take
//   "not_found"         rollback to a snapshot that does not exist
//   "startup"           a provider could not be prepared (a secret not set)
//   "store"             the snapshot could not be saved
using config_outcome = result<applied_config>;
using config_reply = std::function<void(config_outcome)>;

// -- messages -----------------------------------------------------------------

// Apply `text` (TOML, secrets as references), which came from `source`.
struct config_apply {
  std::string text;
  std::string source;
  config_reply done;
};
// Read the file the daemon started with again and apply it (SIGHUP).
struct config_reread {
  config_reply done;
};
// Apply a saved snapshot again.
struct config_rollback {
  long long snapshot_id = 0;
  config_reply done;
};
// The configuration in force: its snapshot, source and time.
struct config_query {
  std::function<void(nlohmann::json)> done;
};

// The daemon's side of a reload. prepare() builds everything `next` needs
// that can fail (provider clients, simulators) without changing what
// serves; it returns the commit, which swaps it all in and cannot fail,
// called once the configuration is saved as a snapshot.
using config_commit = std::function<void(const applied_config&)>;
using config_preparer =
    std::function<result<config_commit>(const settings& next, const config_changes& changes)>;

struct config_actor_config {
  settings running;                 // as the daemon started
  std::string running_text;         // its text
  std::optional<std::string> file;  // the file it came from; none: the built-in example
  env_lookup env;
  std::shared_ptr<database> db;  // a read_write connection of its own, used by this actor only
  config_preparer prepare;
  std::function<long long()> clock;  // wall clock, ms
};

// The configuration in force.
struct config_state {
  settings running;
  std::string text;
  long long snapshot_id = 0;  // 0 until the first query finds it
  std::string source;
  long long applied_at_ms = 0;
};

// Owns the running configuration and changes it, one change at a time: a
// new text is parsed and validated in full first, compared with the running
// one (settings only a restart applies refuse the change), prepared, saved
// as a snapshot, then committed. Whatever fails, nothing changed and the
// reply says why. Blocking (file and SQLite): spawn it detached.
caf::behavior config_actor(caf::stateful_actor<config_state>* self, config_actor_config config);

// An outcome as the admin API answers it: the status and the JSON body.
std::pair<int, nlohmann::json> config_outcome_json(const config_outcome& outcome);

}  // namespace llmopt

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::config_apply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::config_reread)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::config_rollback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::config_query)
