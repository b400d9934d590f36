#include "adapters/kafka/error_throttle.hpp"

#include <catch2/catch.hpp>

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;

TEST_CASE("error throttle lets the first error through and then one per interval", "[kafka]") {
  error_throttle throttle(10s);
  const error_throttle::clock::time_point t0{};  // any point will do: time is a parameter

  CHECK(throttle.admit(t0 + 1s));
  CHECK(throttle.suppressed() == 0);
  CHECK_FALSE(throttle.admit(t0 + 2s));
  CHECK_FALSE(throttle.admit(t0 + 10s));
  CHECK_FALSE(throttle.admit(t0 + 10s + 999ms));

  CHECK(throttle.admit(t0 + 11s));
  CHECK(throttle.suppressed() == 3);  // held back since the previous line
  CHECK(throttle.admit(t0 + 30s));
  CHECK(throttle.suppressed() == 0);
}

}  // namespace
}  // namespace llmopt::kafka
