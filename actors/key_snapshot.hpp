#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>

#include "actors/caller.hpp"
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

// The key table as requests read it: an immutable snapshot replaced whole
// by the key watch (key_watch.hpp) when the store's keys change. Reading
// never waits for the watch or the store. Thread-safe.
class key_snapshot {
 public:
  // The current table; never null (empty before the first load).
  std::shared_ptr<const key_table> current() const { return std::atomic_load(&table_); }
  void replace(key_table table) {
    std::atomic_store(&table_, std::make_shared<const key_table>(std::move(table)));
  }

 private:
  std::shared_ptr<const key_table> table_ = std::make_shared<const key_table>();
};

}  // namespace llmopt
