#pragma once

#include <optional>

#include "decision/rate_limit.hpp"

namespace llmopt {

// What a provider key allows (config [[providers]] rpm, tpm, max_concurrent);
// 0: no limit.
struct provider_limits {
  long long rpm = 0;             // calls started per minute
  long long tpm = 0;             // tokens (estimated at start) per minute
  long long max_concurrent = 0;  // calls in flight at once
};

// One provider key's use against its limits, and a pause the provider asked
// for (a 429 with Retry-After or x-ratelimit-reset-*). rpm and tpm count in
// a sliding minute (rate_limiter); a call estimated above the whole tpm
// never fits (the provider would refuse it too). Time (ms, monotonic) is a
// parameter; one owner, no locks.
class provider_limit {
 public:
  explicit provider_limit(provider_limits limits = {});
  // New limits from a configuration reload. The calls in flight and a pause
  // stay; a changed rpm or tpm starts its minute afresh.
  void set_limits(provider_limits limits);

  // Why a call of about `tokens` cannot start now, or nothing when it can.
  enum class refusal { none, paused, concurrency, rpm, tpm };
  refusal check(long long now_ms, long long tokens) const;
  // When a call refused now may start at the soonest (now_ms when unknown:
  // a call in flight must end first).
  long long available_at(long long now_ms, long long tokens) const;

  void started(long long now_ms, long long tokens);
  void finished();
  // The provider asked for no calls until `until_ms`; a later pause wins.
  void pause_until(long long until_ms);

  const provider_limits& limits() const { return limits_; }
  long long in_flight() const { return in_flight_; }
  long long paused_until() const { return paused_until_; }
  // Counted against rpm / tpm in the last minute; 0 without that limit.
  long long calls_last_minute(long long now_ms) const;
  long long tokens_last_minute(long long now_ms) const;

 private:
  provider_limits limits_;
  long long in_flight_ = 0;
  long long paused_until_ = 0;
  // Reading a limiter forgets what left its minute: not an observable change.
  mutable std::optional<rate_limiter> rpm_;
  mutable std::optional<rate_limiter> tpm_;
};

const char* to_string(provider_limit::refusal r);

}  // namespace llmopt
