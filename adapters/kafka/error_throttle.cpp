#include "adapters/kafka/error_throttle.hpp"

namespace llmopt::kafka {

bool error_throttle::admit(clock::time_point now) {
  if (logged_any_ && now - last_logged_ < interval_) {
    ++pending_;
    return false;
  }
  logged_any_ = true;
  last_logged_ = now;
  suppressed_ = pending_;
  pending_ = 0;
  return true;
}

}  // namespace llmopt::kafka
