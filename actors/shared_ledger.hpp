#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/caller.hpp"
#include "actors/spend_guard.hpp"
#include "adapters/providers/curl_loop.hpp"
#include "adapters/redis/redis_ledger.hpp"

namespace llmopt {

class gateway_metrics;

// Budgets and per-key rate limits counted once for all instances, in Redis
// (budgets.redis; adapters/redis/redis_ledger.hpp), in front of this
// instance's spend_guard:
//   - admit() asks Redis, which counts the key's RPM and TPM and reserves the
//     request's estimate on each of its budgets only if every one can hold
//     it (spent + reserved + estimate <= limit, as budget_account), in one
//     atomic script. The verdict comes back on the loop thread with the
//     refusals and headers spend_guard gives. A request with no budget and
//     no key limit is let through at once, without asking Redis.
//   - Redis down, slow (no answer within budgets.redis_timeout_ms; about
//     twice that at worst) or flooded: that request is decided by this
//     instance's spend_guard alone, exactly as without budgets.redis. It is
//     counted in llmopt_shared_ledger_fallbacks_total and logged (at most
//     once every 10 s, with the count). Nobody is refused for Redis's sake;
//     the price is that while Redis is away each instance holds each limit
//     on its own, so N instances may let through up to N times a limit.
//   - settle() sends every request's billed cost to Redis, that of a request
//     decided alone too (so the shared totals hold it once Redis answers),
//     and to spend_guard, which records the ledger rows and keeps this
//     instance's own view of what it spent, the one it falls back on. A
//     settlement Redis never got is counted, at the next settlement, in
//     llmopt_shared_ledger_lost_settlements_total (and in the warning).
//
// Keys are named in Redis by their ledger id (caller::ledger_id), never by
// their secret or their id on this instance.
//
// Threading: admit(), settle() and budgets_json() on the curl loop's thread
// only. stop() before the loop is destroyed (the Redis thread posts to it);
// the object itself after the loop (exchanges that end then still settle)
// and before the spend_guard it refers to.
class shared_ledger {
 public:
  struct options {
    redis_address address;  // with its timeout: budgets.redis_timeout_ms
  };
  using verdict_handler = std::function<void(std::variant<admission, refusal>)>;

  shared_ledger(options o, spend_guard& local, curl_loop& loop, gateway_metrics* metrics);

  // `time_limit_ms`: the request's deadline from now (0: none), which bounds
  // how long its reservation holds if it is never settled (its instance
  // died). `done` runs later, on the loop thread, exactly once (unless the
  // loop stops first).
  void admit(const caller& who, const std::string& route, const spend_estimate& estimate,
             long long now_ms, long long time_limit_ms, verdict_handler done);
  void settle(const admission& a, std::vector<spend_entry> billed, long long now_ms);

  // Every budget this instance has seen, as Redis last answered it (shared:
  // true), then those only this instance's own view has (shared: false).
  nlohmann::json budgets_json() const;

  void stop();

 private:
  struct pending;
  struct seen_budget {
    long long period_start_ms = 0;
    budget_figures figures;
    bool soft_logged = false;
  };

  void decided(const pending& p, std::optional<ledger_verdict> verdict);
  void fell_back();
  void report();
  shared_budget in_redis(const budget_scope& b, long long now_ms) const;

  options options_;
  spend_guard& local_;
  curl_loop& loop_;
  gateway_metrics* metrics_;
  std::unique_ptr<redis_ledger> redis_;
  std::string instance_nonce_;  // makes reservation ids unique across instances
  unsigned long long reservations_ = 0;
  std::map<std::string, seen_budget> seen_;  // by local scope
  unsigned long long unreported_fallbacks_ = 0;
  unsigned long long lost_counted_ = 0;   // of redis_->lost_settlements(), in the metric
  unsigned long long lost_reported_ = 0;  // ... in the warning
  long long last_report_ms_ = -1;         // steady
};

}  // namespace llmopt
