#pragma once

#include <deque>
#include <string>

namespace llmopt {

struct breaker_options {
  int consecutive_failures = 5;  // open after this many failures in a row
  double failure_rate = 0.5;     // ... or at least this share of failures
  int min_calls = 20;            // ... over at least this many calls
  long long window_ms = 30000;   // ... in this window
  long long cooldown_ms = 5000;  // open this long before a probe; doubled each time a probe fails
  long long max_cooldown_ms = 60000;
};

// One provider:model's circuit breaker. Time (ms on any monotonic clock) is
// a parameter; no thread safety (one owner).
//   closed    -> open       after `consecutive_failures` failures in a row, or a failure
//                           rate >= failure_rate over >= min_calls calls in the window;
//   open      -> half-open  once the cooldown has passed (on the next acquire());
//   half-open: exactly one call (the probe) goes through; its success closes
//              the breaker (and resets the cooldown), its failure reopens it
//              with twice the cooldown, up to max_cooldown_ms.
// Only model failures are recorded: a request error or a cancelled call is
// neither a success nor a failure (release() gives a probe back).
class circuit_breaker {
 public:
  enum class state { closed, open, half_open };

  explicit circuit_breaker(breaker_options options = {});
  // New thresholds from a configuration reload; the state and the calls
  // counted so far stay.
  void set_options(breaker_options options) { options_ = options; }

  // Whether a call may be sent now, without taking the probe.
  bool available(long long now_ms) const;
  // Takes the right to send one call: true when closed, or when the probe
  // is free (moving open to half-open once the cooldown has passed).
  bool acquire(long long now_ms);
  void record_success(long long now_ms);
  void record_failure(long long now_ms);
  // A call acquired but not counted (cancelled, request error): a probe is
  // given back.
  void release();

  state current() const { return state_; }
  int consecutive_failures() const { return consecutive_; }
  long long opened_at_ms() const { return opened_at_; }  // of the last opening; 0: never
  // When the next probe may go (open); 0 when closed.
  long long next_probe_ms() const { return state_ == state::closed ? 0 : probe_at_; }

 private:
  void open(long long now_ms, long long cooldown_ms);
  void prune(long long now_ms);

  breaker_options options_;
  state state_ = state::closed;
  int consecutive_ = 0;
  long long opened_at_ = 0;
  long long probe_at_ = 0;
  long long cooldown_ms_ = 0;  // of the current opening
  bool probe_in_flight_ = false;
  struct call {
    long long at_ms;
    bool failed;
  };
  std::deque<call> window_;  // calls within window_ms, oldest first
  int window_failures_ = 0;
};

std::string to_string(circuit_breaker::state s);

}  // namespace llmopt
