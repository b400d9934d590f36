#include "decision/retry_budget.hpp"

namespace llmopt {

retry_budget::retry_budget(retry_budget_options options) : options_(options) {}

double retry_budget::allowance() const {
  return options_.ratio * static_cast<double>(requests_.size()) +
         options_.min_per_s * static_cast<double>(options_.window_ms) / 1000.0;
}

void retry_budget::record_request(long long now_ms) {
  prune(now_ms);
  requests_.push_back(now_ms);
}

bool retry_budget::try_retry(long long now_ms) {
  prune(now_ms);
  if (static_cast<double>(retries_.size()) + 1 > allowance()) return false;
  retries_.push_back(now_ms);
  return true;
}

void retry_budget::prune(long long now_ms) {
  const long long oldest = now_ms - options_.window_ms;
  while (!requests_.empty() && requests_.front() <= oldest)
    requests_.pop_front();
  while (!retries_.empty() && retries_.front() <= oldest)
    retries_.pop_front();
}

}  // namespace llmopt
