#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/redis/redis_connection.hpp"
#include "decision/rate_limit.hpp"

struct redisReply;

namespace llmopt {

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

// The shared ledger of budgets and per-key rate limits, kept in Redis by
// two Lua scripts that each run atomically there:
//   - admit: counts the key's limits (sliding window or token bucket, as
//     decision/rate_limit.hpp counts them), then reserves on every budget
//     only if each has spent + reserved + the estimate <= its limit (the
//     rule of decision/budget.hpp's budget_account); all or none;
//   - settle: drops the reservation and adds what was billed.
//
// Redis keys (no secret in any: keys are named by their ledger id, a hash):
//   llmopt:budget:{<scope>:<period start ms>}        hash: spent, reserved, r:<id> -> amount
//   llmopt:budget:{<scope>:<period start ms>}:held   zset: reservation id -> deadline ms
//   llmopt:rate:{<counter>}  and  llmopt:rate:{<counter>}:sum   the window and its total
// A budget's keys expire past its period's end; a limit's a minute after
// its last use.
//
// A crashed instance never settles its reservations, so each carries a
// deadline (the request's own, plus a margin) in the `held` sorted set, and
// every script first sweeps the reservations past their deadline: a sorted
// set finds them in O(log n) without reading every reservation, and the
// amounts stay in the budget's hash next to its totals, so a script reads
// one hash per budget. A request still running past its deadline only
// loses its hold; its cost still counts when it settles.
//
// Time is the instance's wall clock, passed in (tests drive it); instances
// are assumed to agree within what NTP gives, far below a minute.
//
// hiredis blocks, so every command runs on this class's own thread, fed by
// a bounded queue, like redis_cache; what is queued goes to Redis in one
// pipelined batch (up to 256 commands), so a burst of requests costs one
// round trip, not one each. An admission still queued
// `timeout_ms` after it was asked, or one that finds the queue full, is
// answered nullopt without being sent, and a command waits at most
// `timeout_ms` for Redis; so `done` runs within about 2 * timeout_ms, Redis
// up, down or slow. A settlement waits its turn however long (it holds no
// one up); one that fails or finds the queue full is counted, and its
// reservation lapses at its deadline.
//
// Threading: admit(), settle() and stop() from any thread; `done` runs on
// the Redis thread (on the caller's when the queue is full or the ledger
// stopped) and must not block. stop() (and the destructor) drops what is
// queued without calling `done`, and joins the thread.
class redis_ledger {
 public:
  struct options {
    redis_address address;
    std::size_t max_queued = 4096;
  };

  explicit redis_ledger(options o);
  ~redis_ledger();
  redis_ledger(const redis_ledger&) = delete;
  redis_ledger& operator=(const redis_ledger&) = delete;

  // nullopt: Redis did not answer in time (down, slow, queue full, a bad
  // reply): the caller decides without it.
  void admit(ledger_request request, std::function<void(std::optional<ledger_verdict>)> done);
  void settle(ledger_settlement settlement);
  void stop();

  // Settlements that never reached Redis.
  unsigned long long lost_settlements() const { return lost_settlements_.load(); }

 private:
  struct command;
  struct scripts;
  void run();
  void execute(std::vector<command>& batch, redis_connection& redis, scripts& loaded);

  options options_;
  std::atomic<unsigned long long> lost_settlements_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<command> queue_;
  bool stopping_ = false;
  std::mutex join_mutex_;
  std::thread thread_;
};

// The admit script's reply, read with bounds: exactly the shape the script
// returns ({status, index, {{allowed, limit, remaining, reset, retry}...},
// {{limit, spent, reserved}...}}), with at most `limits` verdicts and
// `budgets` figures, every number finite; nullopt for anything else.
// Public for tests, which feed it replies parsed by hiredis from raw bytes.
std::optional<ledger_verdict> read_verdict(const redisReply& reply, std::size_t limits,
                                           std::size_t budgets);

}  // namespace llmopt
