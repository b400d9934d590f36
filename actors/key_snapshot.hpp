#pragma once

#include <string>
#include <unordered_map>

#include "actors/caller.hpp"
#include "actors/shared_snapshot.hpp"
#include "store/digest.hpp"

namespace llmopt {

// One API key as the gateway checks it.
struct key_entry {
  sha256_digest digest;  // of the key's text; the secret itself is never held
  caller who;
  bool revoked = false;
};

// Every key of the store, by the hex SHA-256 of its text.
struct key_table {
  std::unordered_map<std::string, key_entry> by_hash;
};

// The key table as requests read it, replaced whole by the key watch
// (key_watch.hpp) when the store's keys change. daemon::start loads it once
// before the gateway serves, so requests never see it null.
using key_snapshot = shared_snapshot<key_table>;

}  // namespace llmopt
