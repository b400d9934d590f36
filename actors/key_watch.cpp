#include "actors/key_watch.hpp"

#include <spdlog/spdlog.h>

#include "actors/supervision.hpp"
#include "store/api_keys.hpp"

namespace llmopt {
namespace {

using poll_keys_atom = caf::atom_constant<caf::atom("pollkeys")>;

result<long long> data_version(database& db) {
  auto stmt = db.prepare("PRAGMA data_version");
  if (!stmt) return stmt.err();
  auto row = stmt->step();
  if (!row) return row.err();
  if (!*row) return db.last_error("PRAGMA data_version returned no row");
  return stmt->column_int64(0);
}

key_table table_of(const std::vector<api_key_record>& keys) {
  key_table table;
  for (const auto& k : keys) {
    // The digest is compared in constant time (authentication.cpp); keep
    // its bytes beside the hex used as the map's key.
    auto digest = digest_from_hex(k.secret_sha256);
    if (!digest) {
      spdlog::warn("api key {}: its stored hash is not a SHA-256; the key is refused", k.id);
      continue;
    }
    key_entry entry;
    entry.digest = *digest;
    entry.who = k.as_caller();
    entry.revoked = k.revoked.has_value();
    table.by_hash[k.secret_sha256] = std::move(entry);
  }
  return table;
}

}  // namespace

status key_source::refresh(key_snapshot& snapshot) {
  auto version = data_version(db_);
  if (!version) return version.err();
  if (*version == seen_version_) return ok_status();
  auto keys = api_keys(db_).list();
  if (!keys) return keys.err();
  snapshot.replace(table_of(*keys));
  seen_version_ = *version;
  return ok_status();
}

caf::behavior key_watch_actor(caf::event_based_actor* self, std::shared_ptr<key_source> source,
                              std::shared_ptr<key_snapshot> snapshot,
                              std::chrono::milliseconds interval) {
  log_surprises(self, "key_watch");
  self->delayed_send(self, interval, poll_keys_atom::value);
  return {
      [=](poll_keys_atom) {
        if (auto st = source->refresh(*snapshot); !st)
          spdlog::warn("api keys not refreshed (the previous ones stay in force): {}",
                       st.err().detail);
        self->delayed_send(self, interval, poll_keys_atom::value);
      },
  };
}

}  // namespace llmopt
