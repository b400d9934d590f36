#pragma once

#include <deque>
#include <utility>

namespace llmopt {

// What a provider key allows (config [[providers]] rpm, tpm, max_concurrent);
// 0: no limit.
struct provider_limits {
  long long rpm = 0;             // calls started per minute
  long long tpm = 0;             // tokens (estimated at start) per minute
  long long max_concurrent = 0;  // calls in flight at once
};

// One provider key's use against its limits, and a pause the provider asked
// for (a 429 with Retry-After or x-ratelimit-reset-*). Time (ms, monotonic)
// is a parameter; one owner, no locks.
class provider_limit {
 public:
  explicit provider_limit(provider_limits limits = {});

  // Why a call of about `tokens` cannot start now, or nothing when it can.
  enum class refusal { none, paused, concurrency, rpm, tpm };
  refusal check(long long now_ms, long long tokens) const;
  // When a call refused now may start at the soonest (now_ms when it may).
  long long available_at(long long now_ms, long long tokens) const;

  void started(long long now_ms, long long tokens);
  void finished();
  // The provider asked for no calls until `until_ms`; a later pause wins.
  void pause_until(long long until_ms);

  const provider_limits& limits() const { return limits_; }
  long long in_flight() const { return in_flight_; }
  long long paused_until() const { return paused_until_; }
  long long calls_last_minute(long long now_ms) const;
  long long tokens_last_minute(long long now_ms) const;

 private:
  void prune(long long now_ms) const;

  provider_limits limits_;
  long long in_flight_ = 0;
  long long paused_until_ = 0;
  // Calls started in the last minute: (time, tokens), oldest first. Pruned
  // lazily, also by const readers.
  mutable std::deque<std::pair<long long, long long>> minute_;
  mutable long long minute_tokens_ = 0;
};

const char* to_string(provider_limit::refusal r);

}  // namespace llmopt
