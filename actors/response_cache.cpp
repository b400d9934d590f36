#include "actors/response_cache.hpp"

namespace llmopt {

const std::string* response_cache::find(const std::string& key, long long now_ms) {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  if (it->second->expires_ms <= now_ms) {
    erase(it->second);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return &lru_.front().value;
}

bool response_cache::store(const std::string& key, std::string value, long long expires_ms) {
  if (auto old = index_.find(key); old != index_.end()) erase(old->second);
  entry e{key, std::move(value), expires_ms};
  const std::size_t size = e.size();
  if (size > max_bytes_) return false;
  while (bytes_ + size > max_bytes_) {
    erase(std::prev(lru_.end()));
    ++evictions_;
  }
  lru_.push_front(std::move(e));
  index_[key] = lru_.begin();
  bytes_ += size;
  return true;
}

void response_cache::erase(order::iterator it) {
  bytes_ -= it->size();
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace llmopt
