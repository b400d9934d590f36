#pragma once

// Rate limiting for repeated error log lines (a broker that is down produces
// an error event per connection attempt).

#include <chrono>
#include <cstdint>

namespace llmopt::kafka {

// Lets the first error through, then at most one per `interval`; counts what
// it held back so the next line can say how many were suppressed.
// Not thread-safe: each owner uses it from one thread.
class error_throttle {
 public:
  using clock = std::chrono::steady_clock;

  explicit error_throttle(clock::duration interval = std::chrono::seconds(10))
      : interval_(interval) {}

  // True when an error seen at `now` should be logged. When true,
  // suppressed() is the count held back since the previous logged error.
  bool admit(clock::time_point now);
  std::int64_t suppressed() const { return suppressed_; }

 private:
  clock::duration interval_;
  clock::time_point last_logged_{};
  bool logged_any_ = false;
  std::int64_t pending_ = 0;     // held back since the last admitted error
  std::int64_t suppressed_ = 0;  // pending_ at the last admit() that returned true
};

}  // namespace llmopt::kafka
