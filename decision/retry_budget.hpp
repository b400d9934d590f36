#pragma once

#include <deque>

namespace llmopt {

struct retry_budget_options {
  double ratio = 0.1;           // retries may be this share of requests ...
  long long window_ms = 10000;  // ... over this sliding window
  double min_per_s = 1;         // plus this many per second of the window, for a quiet gateway
};

// Bounds retries across all requests (Finagle's RetryBudget): over the last
// window, retries <= ratio * requests + min_per_s * window seconds. Every
// attempt after a request's first is a retry, whether on the same candidate
// or another. Time (ms, monotonic) is a parameter; one owner, no locks.
class retry_budget {
 public:
  explicit retry_budget(retry_budget_options options = {});
  // A new ratio and window from a configuration reload; the requests and
  // retries counted so far stay.
  void set_options(retry_budget_options options) { options_ = options; }

  // A request's first attempt.
  void record_request(long long now_ms);
  // Takes one retry from the budget: false (and nothing taken) when it is spent.
  bool try_retry(long long now_ms);

  // Within the current window.
  long long requests() const { return static_cast<long long>(requests_.size()); }
  long long retries() const { return static_cast<long long>(retries_.size()); }
  double allowance() const;

 private:
  void prune(long long now_ms);

  retry_budget_options options_;
  std::deque<long long> requests_;  // times, oldest first
  std::deque<long long> retries_;
};

}  // namespace llmopt
