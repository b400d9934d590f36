#include <catch2/catch.hpp>

#include "decision/circuit_breaker.hpp"

using namespace llmopt;

namespace {
using state = circuit_breaker::state;
constexpr breaker_options options{3, 0.5, 10, 10000, 1000, 4000};
}  // namespace

TEST_CASE("breaker: opens after N consecutive failures, a success in between resets the run") {
  circuit_breaker b(options);
  b.record_failure(0);
  b.record_failure(1);
  b.record_success(2);
  b.record_failure(3);
  b.record_failure(4);
  CHECK(b.current() == state::closed);
  b.record_failure(5);
  CHECK(b.current() == state::open);
  CHECK(b.opened_at_ms() == 5);
  CHECK(b.next_probe_ms() == 1005);
  CHECK_FALSE(b.available(1004));
  CHECK_FALSE(b.acquire(1004));
}

TEST_CASE("breaker: opens on the failure rate over the minimum of calls in the window") {
  circuit_breaker b(options);
  // Alternating: never 3 in a row, but half of 10 calls failed.
  for (int i = 0; i < 9; ++i)
    i % 2 ? b.record_success(i) : b.record_failure(i);
  CHECK(b.current() == state::closed);  // 5 of 9: under the minimum of calls
  b.record_success(9);
  CHECK(b.current() == state::closed);  // 5 of 10, but the last was a success
  b.record_failure(10);
  CHECK(b.current() == state::open);  // 6 of 11
}

TEST_CASE("breaker: calls that left the window no longer count toward the rate") {
  circuit_breaker b(options);
  for (int i = 0; i < 10; ++i)
    i % 3 ? b.record_success(i) : b.record_failure(i);
  // Long after: one failure among few recent calls does not open it.
  b.record_success(50000);
  b.record_failure(50001);
  CHECK(b.current() == state::closed);
}

TEST_CASE("breaker: half-open lets exactly one probe through; its success closes") {
  circuit_breaker b(options);
  for (int i = 0; i < 3; ++i)
    b.record_failure(0);
  REQUIRE(b.current() == state::open);
  CHECK(b.available(1000));
  CHECK(b.acquire(1000));
  CHECK(b.current() == state::half_open);
  CHECK_FALSE(b.available(1001));
  CHECK_FALSE(b.acquire(1001));  // the probe is out
  b.record_success(1200);
  CHECK(b.current() == state::closed);
  CHECK(b.acquire(1201));
  CHECK(b.acquire(1202));
}

TEST_CASE("breaker: a failed probe reopens with a doubled cooldown, up to the cap") {
  circuit_breaker b(options);
  for (int i = 0; i < 3; ++i)
    b.record_failure(0);
  long long now = 0;
  for (long long expected : {2000, 4000, 4000}) {
    now = b.next_probe_ms();
    REQUIRE(b.acquire(now));
    b.record_failure(now);
    CHECK(b.current() == state::open);
    CHECK(b.next_probe_ms() - now == expected);
  }
}

TEST_CASE("breaker: a probe given back (cancelled, request error) frees the probe slot") {
  circuit_breaker b(options);
  for (int i = 0; i < 3; ++i)
    b.record_failure(0);
  REQUIRE(b.acquire(1000));
  b.release();
  CHECK(b.current() == state::half_open);
  CHECK(b.acquire(1001));
}

TEST_CASE("breaker: a late success of a call sent before it opened does not close it") {
  circuit_breaker b(options);
  for (int i = 0; i < 3; ++i)
    b.record_failure(0);
  b.record_success(10);
  CHECK(b.current() == state::open);
}
