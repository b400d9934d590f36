#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

namespace llmopt {

// The in-memory (L1) store of the response cache: key -> answer text, each
// entry kept until its expiry, the least recently used evicted first when
// the entries' bytes would pass max_bytes. Pure: time (milliseconds on any
// steady scale) is a parameter.
//
// Threading: owned by one thread (the curl loop's); no locks.
class response_cache {
 public:
  // An entry counts its key, its value and this much bookkeeping.
  static constexpr std::size_t entry_overhead = 96;

  explicit response_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The value stored under `key` if it has not expired at `now_ms`, marked
  // as used most recently; nullptr otherwise (an expired entry is removed).
  // The pointer is valid until the next call that changes the cache.
  const std::string* find(const std::string& key, long long now_ms);

  // Stores `value` under `key` until `expires_ms`, replacing an older entry,
  // and evicts the least recently used entries until the bytes fit. An entry
  // larger than max_bytes alone is not stored (false).
  bool store(const std::string& key, std::string value, long long expires_ms);

  std::size_t entries() const { return index_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t max_bytes() const { return max_bytes_; }
  unsigned long long evictions() const { return evictions_; }

 private:
  struct entry {
    std::string key;
    std::string value;
    long long expires_ms = 0;
    std::size_t size() const { return key.size() + value.size() + entry_overhead; }
  };
  using order = std::list<entry>;  // most recently used first

  void erase(order::iterator it);

  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  unsigned long long evictions_ = 0;
  order lru_;
  std::unordered_map<std::string, order::iterator> index_;
};

}  // namespace llmopt
