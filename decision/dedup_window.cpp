#include "decision/dedup_window.hpp"

#include <cstring>

namespace llmopt {
namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

std::uint64_t hash_bytes(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a
  }
  return h;
}

constexpr std::size_t initial_slots = 1024;  // a power of two

}  // namespace

std::uint64_t dedup_key(const typed_signal& s) {
  if (s.id.empty()) return 0;
  std::uint64_t h = 0xcbf29ce484222325ULL ^ static_cast<std::uint64_t>(s.kind());
  h = hash_bytes(h, s.id);
  if (auto* a = std::get_if<anomaly_event>(&s.body); a && !a->active)
    h = hash_bytes(h, "/resolved");
  h = mix(h);
  return h == 0 ? 1 : h;
}

dedup_window::dedup_window(time_ms window_ms, std::size_t max_ids)
    : window_ms_(window_ms), max_ids_(max_ids) {}

std::size_t dedup_window::slot_of(std::uint64_t key) const {
  return static_cast<std::size_t>(key) & (slots_.size() - 1);
}

bool dedup_window::contains(std::uint64_t key) const {
  if (slots_.empty()) return false;
  for (std::size_t i = slot_of(key);; i = (i + 1) & (slots_.size() - 1)) {
    if (slots_[i] == key) return true;
    if (slots_[i] == 0) return false;
  }
}

void dedup_window::grow() {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? initial_slots : old.size() * 2, 0);
  used_ = 0;
  for (auto key : old)
    if (key) add(key);
}

void dedup_window::add(std::uint64_t key) {
  if ((used_ + 1) * 2 > slots_.size()) grow();  // load at most 1/2
  std::size_t i = slot_of(key);
  while (slots_[i] != 0)
    i = (i + 1) & (slots_.size() - 1);
  slots_[i] = key;
  ++used_;
}

// Linear probing with backward-shift deletion: no tombstones.
void dedup_window::erase(std::uint64_t key) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = slot_of(key);
  while (slots_[i] != key) {
    if (slots_[i] == 0) return;
    i = (i + 1) & mask;
  }
  for (std::size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = slot_of(slots_[j]);
    // Move slots_[j] into the hole at i unless its home lies in (i, j].
    const bool home_in_between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!home_in_between) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = 0;
  --used_;
}

void dedup_window::expire(time_ms now) {
  while (!order_.empty() &&
         (order_.front().first <= now - window_ms_ || order_.size() > max_ids_)) {
    erase(order_.front().second);
    order_.pop_front();
  }
}

bool dedup_window::insert(std::uint64_t key, time_ms now) {
  if (!enabled() || key == 0) return true;
  expire(now);
  if (contains(key)) return false;
  add(key);
  order_.emplace_back(now, key);
  if (order_.size() > max_ids_) expire(now);
  return true;
}

std::string dedup_window::save() const {
  std::string out;
  out.resize(order_.size() * 16);
  char* p = out.data();
  for (const auto& [at, key] : order_) {
    std::memcpy(p, &at, 8);
    std::memcpy(p + 8, &key, 8);
    p += 16;
  }
  return out;
}

status dedup_window::restore(std::string_view bytes) {
  if (bytes.size() % 16 != 0) return error{"bad_checkpoint", "dedup: size not a multiple of 16"};
  slots_.clear();
  used_ = 0;
  order_.clear();
  for (std::size_t i = 0; i < bytes.size(); i += 16) {
    time_ms at;
    std::uint64_t key;
    std::memcpy(&at, bytes.data() + i, 8);
    std::memcpy(&key, bytes.data() + i + 8, 8);
    if (key == 0 || contains(key)) continue;
    add(key);
    order_.emplace_back(at, key);
  }
  return ok_status();
}

}  // namespace llmopt
