#include "decision/provider_limit.hpp"

#include <algorithm>

namespace llmopt {
namespace {

constexpr long long minute_ms = 60000;

// What is left of a limiter's minute, counting nothing.
long long left(rate_limiter& l, long long now_ms) {
  return l.take(now_ms, 0).remaining;
}

}  // namespace

provider_limit::provider_limit(provider_limits limits) : limits_(limits) {
  if (limits_.rpm > 0) rpm_.emplace(rate_limit_kind::sliding_window, limits_.rpm);
  if (limits_.tpm > 0) tpm_.emplace(rate_limit_kind::sliding_window, limits_.tpm);
}

void provider_limit::set_limits(provider_limits limits) {
  if (limits.rpm != limits_.rpm) {
    rpm_.reset();
    if (limits.rpm > 0) rpm_.emplace(rate_limit_kind::sliding_window, limits.rpm);
  }
  if (limits.tpm != limits_.tpm) {
    tpm_.reset();
    if (limits.tpm > 0) tpm_.emplace(rate_limit_kind::sliding_window, limits.tpm);
  }
  limits_ = limits;
}

const char* to_string(provider_limit::refusal r) {
  switch (r) {
    case provider_limit::refusal::none:
      return "none";
    case provider_limit::refusal::paused:
      return "paused";
    case provider_limit::refusal::concurrency:
      return "max_concurrent";
    case provider_limit::refusal::rpm:
      return "rpm";
    case provider_limit::refusal::tpm:
      return "tpm";
  }
  return "none";
}

long long provider_limit::calls_last_minute(long long now_ms) const {
  return rpm_ ? rpm_->limit() - left(*rpm_, now_ms) : 0;
}

long long provider_limit::tokens_last_minute(long long now_ms) const {
  return tpm_ ? tpm_->limit() - left(*tpm_, now_ms) : 0;
}

provider_limit::refusal provider_limit::check(long long now_ms, long long tokens) const {
  if (now_ms < paused_until_) return refusal::paused;
  if (limits_.max_concurrent > 0 && in_flight_ >= limits_.max_concurrent)
    return refusal::concurrency;
  if (rpm_ && left(*rpm_, now_ms) < 1) return refusal::rpm;
  if (tpm_ && left(*tpm_, now_ms) < tokens) return refusal::tpm;
  return refusal::none;
}

long long provider_limit::available_at(long long now_ms, long long tokens) const {
  // A refused take() counts nothing and says how long until it would fit
  // (-1: never; then a minute is as good a guess as any).
  auto when = [now_ms](const rate_verdict& v) {
    return now_ms + (v.retry_after_ms < 0 ? minute_ms : v.retry_after_ms);
  };
  switch (check(now_ms, tokens)) {
    case refusal::none:
    case refusal::concurrency:
      return now_ms;
    case refusal::paused:
      return paused_until_;
    case refusal::rpm:
      return when(rpm_->take(now_ms, 1));
    case refusal::tpm:
      return when(tpm_->take(now_ms, tokens));
  }
  return now_ms;
}

void provider_limit::started(long long now_ms, long long tokens) {
  if (rpm_) rpm_->take(now_ms, 1);
  if (tpm_) tpm_->take(now_ms, tokens);
  ++in_flight_;
}

void provider_limit::finished() {
  in_flight_ = std::max(0LL, in_flight_ - 1);
}

void provider_limit::pause_until(long long until_ms) {
  paused_until_ = std::max(paused_until_, until_ms);
}

}  // namespace llmopt
