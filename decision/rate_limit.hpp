#pragma once

#include <deque>
#include <utility>

namespace llmopt {

// The two ways a limit of N per minute can count (the seeds' two kinds):
//   sliding_window: at most N in any 60 s window, exactly (a log of what
//     was admitted in the last minute, bounded by N entries);
//   token_bucket: a bucket of N that refills at N per minute, so a quiet
//     key can burst up to N at once and then goes at the refill rate.
enum class rate_limit_kind { sliding_window, token_bucket };

// What a limiter says about one request, as OpenAI reports it in its
// x-ratelimit-* headers.
struct rate_verdict {
  bool allowed = false;
  long long limit = 0;
  long long remaining = 0;  // after this request, when allowed
  long long reset_ms = 0;   // until the full limit is available again
  long long retry_after_ms = 0;  // when refused: until this request would fit
};

// A per-minute limit on an amount (requests: 1 each; tokens: their count).
// Pure: time is a parameter (milliseconds, never decreasing). An amount
// larger than the whole limit is refused for good (retry_after_ms = -1).
class rate_limiter {
 public:
  rate_limiter(rate_limit_kind kind, long long per_minute);

  // Admits `amount` at `now_ms` if it fits, and counts it.
  rate_verdict take(long long now_ms, long long amount);

  long long limit() const { return limit_; }

 private:
  void expire(long long now_ms);
  void refill(long long now_ms);

  rate_limit_kind kind_;
  long long limit_;
  // sliding_window: what was admitted, oldest first, and its sum.
  std::deque<std::pair<long long, long long>> admitted_;
  long long in_window_ = 0;
  // token_bucket: what is left, in thousandths (refill is fractional).
  long long milli_tokens_ = 0;
  long long refilled_at_ = 0;
  bool started_ = false;
};

}  // namespace llmopt
