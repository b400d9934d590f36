#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decision/model_key.hpp"
#include "decision/result.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// The signal ids applied recently, so that a signal delivered twice (a
// producer's retry, a replay) is applied once. Ids are kept as 64-bit
// hashes, for `window_ms` and at most `max_ids` of them (the oldest leave
// first), in an open-addressing table: about 32 bytes per id.
class dedup_window {
 public:
  // window_ms or max_ids of 0 disables deduplication.
  dedup_window(time_ms window_ms, std::size_t max_ids);

  // True when `key` was not seen within the window (it is now remembered);
  // false for a duplicate.
  bool insert(std::uint64_t key, time_ms now);

  std::size_t size() const { return order_.size(); }
  bool enabled() const { return window_ms_ > 0 && max_ids_ > 0; }

  // The remembered ids with their times, for checkpoints; and back.
  std::string save() const;
  status restore(std::string_view bytes);

 private:
  void expire(time_ms now);
  bool contains(std::uint64_t key) const;
  void add(std::uint64_t key);
  void erase(std::uint64_t key);
  void grow();
  std::size_t slot_of(std::uint64_t key) const;

  time_ms window_ms_;
  std::size_t max_ids_;
  std::vector<std::uint64_t> slots_;  // 0 = empty; keys are never 0
  std::size_t used_ = 0;
  std::deque<std::pair<time_ms, std::uint64_t>> order_;  // oldest first
};

// The identity of a signal for deduplication: its kind and upstream id; an
// anomaly's resolution is not a duplicate of the anomaly it resolves. 0 for
// a signal without an id (never deduplicated).
std::uint64_t dedup_key(const typed_signal& s);

}  // namespace llmopt
