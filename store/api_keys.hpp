#pragma once

#include <optional>
#include <string>
#include <vector>

#include "actors/caller.hpp"
#include "decision/model_key.hpp"
#include "decision/result.hpp"
#include "store/database.hpp"

namespace llmopt {

// One API key as stored: everything but its secret, of which only the
// SHA-256 is kept.
struct api_key_record {
  std::string id;             // public: "key_" + 12 random hex digits
  std::string name;           // as given to `llmopt keys create --name`
  std::string secret_sha256;  // lowercase hex SHA-256 of the whole key text
  key_policy policy;
  time_ms created = 0;
  std::optional<time_ms> revoked;  // set once revoked; a revoked key stays listed

  caller as_caller() const { return {id, name, policy}; }
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

}  // namespace llmopt
