#include "decision/rate_limit.hpp"

#include <algorithm>

namespace llmopt {
namespace {

constexpr long long minute_ms = 60'000;

}  // namespace

rate_limiter::rate_limiter(rate_limit_kind kind, long long per_minute)
    : kind_(kind), limit_(std::max(per_minute, 1LL)), milli_tokens_(limit_ * 1000) {}

void rate_limiter::expire(long long now_ms) {
  while (!admitted_.empty() && admitted_.front().first + minute_ms <= now_ms) {
    in_window_ -= admitted_.front().second;
    admitted_.pop_front();
  }
}

void rate_limiter::refill(long long now_ms) {
  if (!started_) {
    started_ = true;
    refilled_at_ = now_ms;
    return;
  }
  const long long elapsed = std::max(0LL, now_ms - refilled_at_);
  refilled_at_ = now_ms;
  // limit_ per minute = limit_ * 1000 milli-tokens per 60'000 ms.
  milli_tokens_ = std::min(limit_ * 1000, milli_tokens_ + elapsed * limit_ / 60);
}

rate_verdict rate_limiter::take(long long now_ms, long long amount) {
  rate_verdict v;
  v.limit = limit_;
  amount = std::max(amount, 0LL);
  if (kind_ == rate_limit_kind::sliding_window) {
    expire(now_ms);
    v.allowed = amount <= limit_ && in_window_ + amount <= limit_;
    if (v.allowed && amount > 0) {
      admitted_.emplace_back(now_ms, amount);
      in_window_ += amount;
    }
    v.remaining = limit_ - in_window_;
    v.reset_ms = admitted_.empty() ? 0 : admitted_.back().first + minute_ms - now_ms;
    if (!v.allowed) {
      if (amount > limit_) {
        v.retry_after_ms = -1;
      } else {
        // The oldest entries leave until enough room is free.
        long long freed = limit_ - in_window_;
        for (const auto& [at, n] : admitted_) {
          freed += n;
          if (freed >= amount) {
            v.retry_after_ms = at + minute_ms - now_ms;
            break;
          }
        }
      }
    }
    return v;
  }
  refill(now_ms);
  const long long need = amount * 1000;
  v.allowed = amount <= limit_ && milli_tokens_ >= need;
  if (v.allowed) milli_tokens_ -= need;
  v.remaining = milli_tokens_ / 1000;
  const long long missing_full = limit_ * 1000 - milli_tokens_;
  v.reset_ms = (missing_full * 60 + limit_ - 1) / limit_;  // ceil(missing / (limit/60) per ms)
  if (!v.allowed)
    v.retry_after_ms =
        amount > limit_ ? -1 : ((need - milli_tokens_) * 60 + limit_ - 1) / limit_;
  return v;
}

}  // namespace llmopt
