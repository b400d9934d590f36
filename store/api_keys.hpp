#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/caller.hpp"
#include "decision/model_key.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// The name of a key in the shared ledger (budgets.redis), where instances
// count its budget and rate limits together. Each instance gives its keys
// ids of its own, but a key meant to be the same on several instances has
// the same secret there (created on one, imported on the others with
// `llmopt keys create --import`), hence the same SHA-256, which every
// instance stores. The ledger id is derived from that hash rather than
// being it, so what Redis shows matches no row of any instance's key table:
// the first 32 hex digits of SHA-256("llmopt-ledger:" + secret_sha256).
std::string key_ledger_id(const std::string& secret_sha256);

// One API key as stored: everything but its secret, of which only the
// SHA-256 is kept.
struct api_key_record {
  std::string id;             // public: "key_" + 12 random hex digits
  std::string name;           // as given to `llmopt keys create --name`
  std::string secret_sha256;  // lowercase hex SHA-256 of the whole key text
  key_policy policy;
  time_ms created = 0;
  std::optional<time_ms> revoked;  // set once revoked; a revoked key stays listed

  caller as_caller() const { return {id, name, policy, key_ledger_id(secret_sha256)}; }
};

// A key just created: its record and the key itself, which exists only
// here, to be shown once.
struct new_api_key {
  api_key_record record;
  std::string secret;  // "llmopt-" + 64 hex digits (32 bytes from RAND_bytes)
};

// The API keys of the gateway, in the `api_keys` table.
//
// Ownership: refers to a database it does not own, which must outlive it and
// be migrated. Threads: as the database. Writers are `llmopt keys` processes
// (each with its own connection); the daemon only reads.
class api_keys {
 public:
  explicit api_keys(database& db) : db_(db) {}

  // Creates a key with a fresh secret and id from libcrypto's RAND_bytes.
  // REQUIRES: name is not empty; every policy limit, when set, is >= 0.
  result<new_api_key> create(const std::string& name, const key_policy& policy, time_ms now);
  // Stores a key made elsewhere (on another instance, to be the same key
  // there and here) under a fresh id. `secret` must read as a key made by
  // create(): "llmopt-" and 64 lowercase hex digits; an error otherwise,
  // which never repeats it. REQUIRES: as create().
  result<new_api_key> import(const std::string& name, const std::string& secret,
                             const key_policy& policy, time_ms now);

  // Every key, revoked ones included, oldest first.
  result<std::vector<api_key_record>> list();

  // Marks the key revoked at `now`. False when there is no key `id`; a key
  // already revoked keeps its first revocation time (and gives true).
  result<bool> revoke(const std::string& id, time_ms now);

 private:
  database& db_;
};

// How every key's text begins.
inline constexpr const char* key_prefix = "llmopt-";

// The SHA-256 under which a key's text is stored and looked up.
std::string key_secret_hash(const std::string& secret);

// Whether `text` reads as a key: "llmopt-" and 64 lowercase hex digits.
bool is_key_text(const std::string& text);

}  // namespace llmopt
