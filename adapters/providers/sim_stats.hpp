#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/http/message.hpp"
#include "adapters/http/server.hpp"
#include "adapters/providers/sim_completion.hpp"

namespace llmopt {

// What the simulator has seen, for tests (GET /admin/stats):
//   requests  — requests to the answer endpoints, whatever became of them;
//   open      — received, and neither answered in full nor abandoned;
//   abandoned — the client went away before the answer was complete;
//   held_back — streams that had to wait for the client to read;
//   by_format — requests per API.
// A test awaits a count (await) instead of polling: `open` reaching a value
// (the upstream side of a disconnect), or `held_back` reaching at least one.
//
// Threading: every member is thread-safe. await_open's timers run on the
// server's I/O threads: the server must stop before this is destroyed.
class sim_stats {
 public:
  void received(sim_format f);
  // One request leaves `open`: REQUIRES once per received().
  void settled(bool abandoned);
  void held_back();

  nlohmann::json snapshot() const;

  enum class counter { open, held_back };
  // Answers `reply` with the snapshot as soon as `c` reaches `value` (open:
  // equals it; held_back: at least it), or after `timeout` with
  // "timed_out": true added.
  void await(counter c, long long value, std::chrono::milliseconds timeout, http::responder reply,
             http::server& server);

 private:
  struct waiter {
    std::uint64_t id;
    counter what;
    long long value;
    http::responder reply;
  };
  bool reached_locked(counter c, long long value) const;
  nlohmann::json snapshot_locked() const;
  // Moves the waiters whose count `open` now is to `ready`, and the
  // snapshot they get to `snap`.
  void take_ready_locked(std::vector<http::responder>& ready, nlohmann::json& snap);
  static void answer(std::vector<http::responder>& ready, const nlohmann::json& snap);

  mutable std::mutex mu_;
  long long requests_ = 0;
  long long open_ = 0;
  long long abandoned_ = 0;
  long long held_back_ = 0;
  std::array<long long, 4> by_format_{};
  std::uint64_t next_waiter_ = 0;
  std::vector<waiter> waiters_;
};

// One request's place in sim_stats: it is open from construction until
// finish() or abandon(), whichever comes first (later calls do nothing; the
// destructor finishes a request nobody settled). It can also keep an object
// alive until then: a stalled answer that must not be dropped.
class sim_open_request {
 public:
  sim_open_request(sim_stats& stats, sim_format f);
  ~sim_open_request();
  sim_open_request(const sim_open_request&) = delete;
  sim_open_request& operator=(const sim_open_request&) = delete;

  void finish();   // the simulator answered in full (or cut it short on purpose)
  void abandon();  // the client went away first; releases what hold() kept
  // Keeps `keep` alive until abandon() or destruction.
  void hold(std::shared_ptr<void> keep);

 private:
  void settle(bool abandoned);

  sim_stats& stats_;
  std::atomic<bool> settled_{false};
  std::mutex mu_;
  std::shared_ptr<void> held_;
};

}  // namespace llmopt
