#include "decision/rate_limit.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

TEST_CASE("a sliding window admits at most N in any minute") {
  rate_limiter rpm(rate_limit_kind::sliding_window, 3);
  CHECK(rpm.take(0, 1).allowed);
  CHECK(rpm.take(10'000, 1).allowed);
  auto third = rpm.take(20'000, 1);
  CHECK(third.allowed);
  CHECK(third.remaining == 0);
  CHECK(third.reset_ms == 60'000);  // the newest leaves the window a minute after it came
  auto refused = rpm.take(30'000, 1);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_ms == 30'000);  // the first leaves at 60 s
  CHECK_FALSE(rpm.take(59'999, 1).allowed);
  CHECK(rpm.take(60'000, 1).allowed);
  CHECK_FALSE(rpm.take(60'000, 1).allowed);  // refused requests were not counted
  CHECK(rpm.take(70'000, 1).allowed);
}

TEST_CASE("a sliding window counts amounts, and an amount over the limit never fits") {
  rate_limiter tpm(rate_limit_kind::sliding_window, 1000);
  CHECK(tpm.take(0, 600).allowed);
  auto over = tpm.take(1'000, 500);
  CHECK_FALSE(over.allowed);
  CHECK(over.retry_after_ms == 59'000);
  CHECK(tpm.take(1'000, 400).allowed);
  CHECK(tpm.take(60'000, 600).allowed);  // the 600 left
  auto never = tpm.take(61'000, 1001);
  CHECK_FALSE(never.allowed);
  CHECK(never.retry_after_ms == -1);
}

TEST_CASE("a token bucket bursts up to N and then refills at N per minute") {
  rate_limiter rpm(rate_limit_kind::token_bucket, 60);  // one a second
  for (int i = 0; i < 60; ++i)
    REQUIRE(rpm.take(0, 1).allowed);
  auto empty = rpm.take(0, 1);
  CHECK_FALSE(empty.allowed);
  CHECK(empty.remaining == 0);
  CHECK(empty.retry_after_ms == 1'000);
  CHECK(empty.reset_ms == 60'000);
  CHECK_FALSE(rpm.take(999, 1).allowed);
  CHECK(rpm.take(1'000, 1).allowed);
  // A quiet minute refills it whole, and no more.
  auto full = rpm.take(120'000, 0);
  CHECK(full.allowed);
  CHECK(full.remaining == 60);
  CHECK(rpm.take(120'000, 61).retry_after_ms == -1);
}

}  // namespace
}  // namespace llmopt
