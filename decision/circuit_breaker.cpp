#include "decision/circuit_breaker.hpp"

#include <algorithm>

namespace llmopt {

circuit_breaker::circuit_breaker(breaker_options options) : options_(options) {}

std::string to_string(circuit_breaker::state s) {
  switch (s) {
    case circuit_breaker::state::closed:
      return "closed";
    case circuit_breaker::state::open:
      return "open";
    case circuit_breaker::state::half_open:
      return "half_open";
  }
  return "closed";
}

bool circuit_breaker::available(long long now_ms) const {
  switch (state_) {
    case state::closed:
      return true;
    case state::open:
      return now_ms >= probe_at_;
    case state::half_open:
      return !probe_in_flight_;
  }
  return true;
}

bool circuit_breaker::acquire(long long now_ms) {
  if (!available(now_ms)) return false;
  if (state_ == state::closed) return true;
  state_ = state::half_open;
  probe_in_flight_ = true;
  return true;
}

void circuit_breaker::release() {
  probe_in_flight_ = false;
}

void circuit_breaker::record_success(long long now_ms) {
  if (state_ == state::open) return;  // a call sent before it opened: the probe decides
  consecutive_ = 0;
  if (state_ == state::half_open) {
    // The probe came back well: a fresh start, with the first cooldown again.
    state_ = state::closed;
    probe_in_flight_ = false;
    cooldown_ms_ = 0;
    window_.clear();
    window_failures_ = 0;
    return;
  }
  prune(now_ms);
  window_.push_back({now_ms, false});
}

void circuit_breaker::record_failure(long long now_ms) {
  ++consecutive_;
  if (state_ == state::half_open) {
    probe_in_flight_ = false;
    return open(now_ms, std::min(options_.max_cooldown_ms, cooldown_ms_ * 2));
  }
  if (state_ == state::open) return;  // a call sent before it opened
  prune(now_ms);
  window_.push_back({now_ms, true});
  ++window_failures_;
  const auto calls = static_cast<int>(window_.size());
  const bool by_rate = calls >= options_.min_calls &&
                       window_failures_ >= options_.failure_rate * static_cast<double>(calls);
  if (consecutive_ >= options_.consecutive_failures || by_rate) open(now_ms, options_.cooldown_ms);
}

void circuit_breaker::open(long long now_ms, long long cooldown_ms) {
  state_ = state::open;
  opened_at_ = now_ms;
  cooldown_ms_ = std::max(cooldown_ms, options_.cooldown_ms);
  probe_at_ = now_ms + cooldown_ms_;
  window_.clear();
  window_failures_ = 0;
}

void circuit_breaker::prune(long long now_ms) {
  while (!window_.empty() && window_.front().at_ms <= now_ms - options_.window_ms) {
    if (window_.front().failed) --window_failures_;
    window_.pop_front();
  }
}

}  // namespace llmopt
