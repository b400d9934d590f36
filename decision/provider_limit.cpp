#include "decision/provider_limit.hpp"

#include <algorithm>

namespace llmopt {
namespace {
constexpr long long minute_ms = 60000;
}

provider_limit::provider_limit(provider_limits limits) : limits_(limits) {}

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

void provider_limit::prune(long long now_ms) const {
  while (!minute_.empty() && minute_.front().first <= now_ms - minute_ms) {
    minute_tokens_ -= minute_.front().second;
    minute_.pop_front();
  }
}

long long provider_limit::calls_last_minute(long long now_ms) const {
  prune(now_ms);
  return static_cast<long long>(minute_.size());
}

long long provider_limit::tokens_last_minute(long long now_ms) const {
  prune(now_ms);
  return minute_tokens_;
}

provider_limit::refusal provider_limit::check(long long now_ms, long long tokens) const {
  if (now_ms < paused_until_) return refusal::paused;
  if (limits_.max_concurrent > 0 && in_flight_ >= limits_.max_concurrent)
    return refusal::concurrency;
  if (limits_.rpm > 0 && calls_last_minute(now_ms) >= limits_.rpm) return refusal::rpm;
  // A call larger than the whole tpm may still go alone into an empty minute.
  const long long used = tokens_last_minute(now_ms);
  if (limits_.tpm > 0 && used > 0 && used + tokens > limits_.tpm) return refusal::tpm;
  return refusal::none;
}

long long provider_limit::available_at(long long now_ms, long long tokens) const {
  switch (check(now_ms, tokens)) {
    case refusal::none:
      return now_ms;
    case refusal::paused:
      return paused_until_;
    case refusal::concurrency:
      return now_ms;  // unknown: as soon as a call ends
    case refusal::rpm:
      return minute_[minute_.size() - static_cast<std::size_t>(limits_.rpm)].first + minute_ms;
    case refusal::tpm: {
      long long freed = 0;
      for (const auto& [at, used] : minute_) {
        freed += used;
        if (minute_tokens_ - freed + tokens <= limits_.tpm) return at + minute_ms;
      }
      return minute_.empty() ? now_ms : minute_.back().first + minute_ms;
    }
  }
  return now_ms;
}

void provider_limit::started(long long now_ms, long long tokens) {
  prune(now_ms);
  minute_.emplace_back(now_ms, tokens);
  minute_tokens_ += tokens;
  ++in_flight_;
}

void provider_limit::finished() {
  in_flight_ = std::max(0LL, in_flight_ - 1);
}

void provider_limit::pause_until(long long until_ms) {
  paused_until_ = std::max(paused_until_, until_ms);
}

}  // namespace llmopt
