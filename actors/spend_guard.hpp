#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>
#include <vector>

#include "actors/caller.hpp"
#include "actors/client_api.hpp"
#include "decision/budget.hpp"
#include "decision/rate_limit.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt {

struct route_budget {
  double usd = 0;
  budget_period period = budget_period::month;
};

struct spend_guard_options {
  double soft_fraction = 0.8;  // of a budget: past it, the soft limit
  rate_limit_kind limit_kind = rate_limit_kind::sliding_window;
  std::map<std::string, route_budget> route_budgets;  // by route name
};

// What one request may spend, as estimated before its first call: its
// tokens (prompt + max output) and the dearest candidate's price for them.
struct spend_estimate {
  long long tokens = 0;
  double usd = 0;
};

// A budget a request counts against.
struct budget_scope {
  std::string scope;  // "key:ID" (the key's id on this instance) or "route:NAME"
  // The same budget as every instance names it in the shared ledger:
  // "key:<ledger id>" (api_keys.hpp, key_ledger_id) or "route:NAME".
  std::string shared_scope;
  double limit_usd = 0;
  budget_period period = budget_period::month;
  std::string owner;  // "key NAME" or "route NAME", for messages
};

// A request let through, with what it holds until it is settled.
struct admission {
  std::string key_id;
  std::string route;
  double reserved_usd = 0;
  // The budgets it reserved on in this instance ("key:ID", "route:NAME").
  std::vector<std::string> reservations;
  // With the shared ledger (budgets.redis): the budgets whose shared
  // totals its cost goes to. When Redis let it through, also its
  // reservation there and when it was made (reservations is then empty);
  // when this instance decided alone, shared_reservation is empty.
  std::string shared_reservation;
  long long reserved_at_ms = 0;
  std::vector<budget_scope> shared_budgets;
  bool past_soft_limit = false;  // some budget of it is past its soft limit
  // x-ratelimit-* and x-llmopt-budget-* headers for the answer.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The refusal of a request, with the headers that say when to come back.
struct refusal {
  api_error error;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Budgets (per key and per route, per UTC day or month, in USD) and per-key
// rate limits (requests and tokens per minute), checked before a request
// makes any upstream call:
//   - a key over its RPM or TPM: 429 rate_limit_exceeded with Retry-After
//     and OpenAI's x-ratelimit-* headers;
//   - a budget that cannot hold the request's reservation: 429
//     insufficient_quota;
//   - a budget past its soft fraction: admitted, flagged (header, log line
//     once per budget and period, and the route prefers cheaper
//     candidates).
// The reservation is replaced by the billed cost when the request settles,
// and every billed call goes to the ledger (through `record`).
//
// Threading: owned by the curl loop thread and used only there.
class spend_guard {
 public:
  using recorder = std::function<void(std::vector<spend_entry>)>;

  // `spent`: the ledger's totals since the start of the month, so budgets
  // carry over a restart.
  spend_guard(spend_guard_options options, const spend_totals& spent, recorder record);

  std::variant<admission, refusal> admit(const caller& who, const std::string& route,
                                         const spend_estimate& estimate, long long now_ms);
  // Releases the reservation and charges `billed` (each already carrying
  // key, route, model and decision), which go to the ledger. The budgets of
  // a request the shared ledger let through are charged here too, so that
  // this instance's own view holds what it spent (for when it must decide
  // alone).
  void settle(const admission& a, std::vector<spend_entry> billed, long long now_ms);

  // The budgets a request of `who` on `route` counts against, key first.
  std::vector<budget_scope> budgets_of(const caller& who, const std::string& route) const;
  // What this instance's ledger held at its start of `scope`'s spending
  // since `period_start_ms`.
  double spent_at_start(const std::string& scope, long long period_start_ms) const;
  const spend_guard_options& options() const { return options_; }

  // Every budget a request has touched: scope ("key:ID", "route:NAME"),
  // period start, limit, spent, reserved and remaining, in USD.
  nlohmann::json budgets_json() const;
  // New route budgets, soft fraction and limiter kind from a configuration
  // reload. What each budget has spent and holds reserved stays; a budget
  // whose limit changed takes the new one at its next request; a new soft
  // fraction applies to budgets first used after it. Key limiters start
  // afresh only when their kind changed.
  void reconfigure(spend_guard_options options);

 private:
  struct account_state {
    long long period_start = -1;
    budget_account account;
    bool soft_logged = false;
  };
  struct key_limits {
    std::optional<rate_limiter> requests;
    std::optional<rate_limiter> tokens;
  };

  account_state& account(const std::string& scope, double limit, budget_period period,
                         long long now_ms);
  std::optional<refusal> check_limits(const caller& who, const spend_estimate& estimate,
                                      long long now_ms, admission& a);

  spend_guard_options options_;
  spend_totals spent_at_start_;
  recorder record_;
  std::map<std::string, account_state> accounts_;  // "key:ID" or "route:NAME"
  std::map<std::string, key_limits> limits_;       // by key id
};

// OpenAI's duration format in x-ratelimit-reset-*: "20ms", "1s", "6m0s".
std::string reset_duration(long long ms);

// -- answers shared with the shared ledger (shared_ledger.hpp) ---------------

using header_list = std::vector<std::pair<std::string, std::string>>;

// x-ratelimit-{limit,remaining,reset}-`unit` ("requests", "tokens").
void add_rate_headers(header_list& headers, const std::string& unit, const rate_verdict& v);
// A key over its RPM or TPM: 429 rate_limit_exceeded, with Retry-After
// (none when `amount` is larger than the whole limit).
refusal rate_refusal(const caller& who, const std::string& unit, const rate_verdict& v,
                     long long amount, header_list headers);
// A budget that cannot hold `needed`: 429 insufficient_quota.
refusal budget_refusal(const budget_scope& b, double spent, double reserved, double needed,
                       header_list headers);
// Amounts in headers and messages: "%.6f".
std::string usd_text(double usd);

}  // namespace llmopt
