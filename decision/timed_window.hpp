#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "decision/model_key.hpp"

namespace llmopt {

// Samples of the last `span_ms` milliseconds, at most `max_samples` of them
// (the oldest leave first). Keeps the running sum so that the mean costs
// nothing. Time only moves forward: `add` and `expire` take the current time.
class timed_window {
 public:
  timed_window(time_ms span_ms, std::size_t max_samples)
      : span_ms_(span_ms), max_samples_(max_samples) {}

  void add(time_ms now, double value) {
    entries_.push_back({now, value});
    sum_ += value;
    if (entries_.size() > max_samples_) pop();
    expire(now);
  }

  // Drops samples older than now - span.
  void expire(time_ms now) {
    while (!entries_.empty() && entries_.front().at < now - span_ms_)
      pop();
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  double sum() const { return sum_; }
  std::optional<double> mean() const {
    if (entries_.empty()) return std::nullopt;
    return sum_ / static_cast<double>(entries_.size());
  }

  // The q-quantile (0..1) of the samples, nearest rank; none when empty.
  std::optional<double> quantile(double q) const {
    if (entries_.empty()) return std::nullopt;
    std::vector<double> values;
    values.reserve(entries_.size());
    for (const auto& e : entries_)
      values.push_back(e.value);
    auto rank = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                     values.end());
    return values[rank];
  }

 private:
  struct entry {
    time_ms at;
    double value;
  };

  void pop() {
    sum_ -= entries_.front().value;
    entries_.pop_front();
    if (entries_.empty()) sum_ = 0;  // no drift from rounding
  }

  time_ms span_ms_;
  std::size_t max_samples_;
  std::deque<entry> entries_;
  double sum_ = 0;
};

}  // namespace llmopt
