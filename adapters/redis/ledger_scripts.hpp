#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "decision/rate_limit.hpp"

struct redisReply;

namespace llmopt {

// What the shared ledger asks Redis and what Redis answers: the two Lua
// scripts (redis_ledger.hpp says what they guarantee), the keys and
// arguments of each call, and the reading of their replies. Pure but for
// hiredis's reply type: no connection, no thread, no clock.

// One per-minute limit of a key, counted in Redis for every instance.
struct shared_limit {
  std::string counter;  // names its Redis keys: "<ledger id>:requests", "<ledger id>:tokens"
  rate_limit_kind kind = rate_limit_kind::sliding_window;
  long long per_minute = 0;
  long long amount = 0;  // what this request takes of it
};

// One budget's period, as Redis keeps it for every instance.
struct shared_budget {
  std::string scope;  // "key:<ledger id>" or "route:<name>"
  long long period_start_ms = 0;
  long long expire_at_ms = 0;  // its Redis keys go then: past the period's end
  double limit_usd = 0;
  // What the period had spent when Redis has no counter for it yet (a new
  // or emptied Redis): this instance's own ledger. Redis's figure wins
  // whenever it has one.
  double seed_spent_usd = 0;
};

// A request asking to be let through: its limits, then its budgets.
struct ledger_request {
  std::string reservation_id;   // unique across instances
  long long now_ms = 0;         // Unix ms, the instance's wall clock
  long long hold_until_ms = 0;  // the reservation lapses then if never settled
  double usd = 0;               // the reservation: an upper estimate of its cost
  std::vector<shared_limit> limits;
  std::vector<shared_budget> budgets;
};

struct budget_figures {
  double limit_usd = 0;
  double spent_usd = 0;
  double reserved_usd = 0;  // by requests in flight on every instance, this one's included
};

// What Redis decided, atomically for every limit and budget of a request.
struct ledger_verdict {
  enum class outcome { admitted, rate_limited, over_budget };
  outcome result = outcome::admitted;
  std::size_t refused = 0;  // rate_limited / over_budget: index of the limit / budget
  // The limits counted, in order, up to the one that refused; the budgets
  // checked (all of them, or up to the one that refused).
  std::vector<rate_verdict> limits;
  std::vector<budget_figures> budgets;
};

// The end of a request: its reservation (if it made one in Redis) replaced
// by what it was billed. budgets[i] is charged in its current period;
// reserved_in[i] is the period start its reservation was made in (they
// differ when the request crossed a period's end).
struct ledger_settlement {
  std::string reservation_id;  // empty: a charge only (the request was let in locally)
  long long now_ms = 0;
  double billed_usd = 0;
  std::vector<long long> reserved_in;
  std::vector<shared_budget> budgets;
};

// The keys and arguments of one call of a script, in the order it reads them.
struct script_call_arguments {
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

// The scripts' Lua source, each whole (SCRIPT LOAD, EVALSHA).
const std::string& admit_script();
const std::string& settle_script();

script_call_arguments admit_arguments(const ledger_request& request);
script_call_arguments settle_arguments(const ledger_settlement& settlement);

// The SHA-1 SCRIPT LOAD answers: at most this long to be taken for one.
inline constexpr std::size_t max_script_sha = 64;

// The admit script's reply, read with bounds: exactly the shape the script
// returns ({status, index, {{allowed, limit, remaining, reset, retry}...},
// {{limit, spent, reserved}...}}), with at most `limits` verdicts and
// `budgets` figures, every number finite; nullopt for anything else.
// Public for tests, which feed it replies parsed by hiredis from raw bytes.
std::optional<ledger_verdict> read_verdict(const redisReply& reply, std::size_t limits,
                                           std::size_t budgets);

}  // namespace llmopt
