#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "adapters/redis/ledger_scripts.hpp"
#include "adapters/redis/redis_connection.hpp"
#include "adapters/redis/work_queue.hpp"

namespace llmopt {

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
  work_queue<command> queue_;  // last: its thread goes first
};

}  // namespace llmopt
