#pragma once

#include <chrono>

#include "decision/model_key.hpp"

namespace llmopt {

// The daemon's clock: wall time in epoch milliseconds. Actors read time only
// through this function; decision/ receives it as a parameter.
inline time_ms wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Monotonic milliseconds (from an arbitrary origin), for what must not jump
// with the wall clock: deadlines, breaker cooldowns, provider pauses.
inline long long steady_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// The wall clock minus the steady clock, to show steady times as Unix ms.
inline long long wall_offset_ms() {
  return wall_clock_ms() - steady_clock_ms();
}

}  // namespace llmopt
