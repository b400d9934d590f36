#include <catch2/catch.hpp>

#include "decision/retry_budget.hpp"

using namespace llmopt;

TEST_CASE("retry budget: the floor lets a quiet gateway retry, then the ratio governs") {
  retry_budget b({0.1, 10000, 0.2});  // floor: 0.2/s over 10 s = 2 retries
  b.record_request(0);
  CHECK(b.try_retry(1));
  CHECK(b.try_retry(2));
  CHECK_FALSE(b.try_retry(3));  // 2.1 allowed
  for (int i = 0; i < 10; ++i)
    b.record_request(10 + i);
  CHECK(b.try_retry(30));  // 11 requests: 3.1 allowed
  CHECK_FALSE(b.try_retry(31));
  CHECK(b.retries() == 3);
}

TEST_CASE("retry budget: spent retries leave the sliding window and free the budget") {
  retry_budget b({0.1, 1000, 1});
  REQUIRE(b.try_retry(0));
  REQUIRE_FALSE(b.try_retry(500));
  CHECK(b.try_retry(1000));
}

TEST_CASE("retry budget: under a full outage retries stay within ratio * requests + floor") {
  retry_budget b({0.1, 10000, 0.5});
  long long retries = 0;
  for (int i = 0; i < 200; ++i) {
    b.record_request(i * 10);
    for (int attempt = 0; attempt < 3; ++attempt)
      retries += b.try_retry(i * 10) ? 1 : 0;
  }
  CHECK(retries <= static_cast<long long>(200 * 0.1 + 5));
  CHECK(retries >= 20);
}
