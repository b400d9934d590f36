#include "decision/budget.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

// 2026-12-05T13:45:00Z
constexpr long long now_ms = 1'796'478'300'000;

TEST_CASE("periods start at the UTC day and month") {
  CHECK(period_start_ms(budget_period::day, now_ms) == 1'796'428'800'000);    // 2026-12-05
  CHECK(period_start_ms(budget_period::month, now_ms) == 1'796'083'200'000);  // 2026-12-01
  CHECK(period_start_ms(budget_period::month, 951'782'400'000) == 949'363'200'000);  // 2000-02-29
  CHECK(period_start_ms(budget_period::day, 0) == 0);
  budget_period p{};
  CHECK(parse_budget_period("day", p));
  CHECK(p == budget_period::day);
  CHECK_FALSE(parse_budget_period("week", p));
}

TEST_CASE("a budget admits reservations while spent plus reserved fits") {
  budget_account b(1.00, 0.8);
  CHECK(b.reserve(0.40));
  CHECK(b.reserve(0.40));
  CHECK_FALSE(b.reserve(0.30));  // 0.80 reserved: 0.30 more would pass 1.00
  CHECK(b.reserved() == Approx(0.80));
  CHECK(b.past_soft_limit());
  b.settle(0.40, 0.10);  // billed less than reserved: the rest is free again
  CHECK(b.spent() == Approx(0.10));
  CHECK(b.remaining() == Approx(0.50));
  CHECK(b.reserve(0.30));
  b.restart();
  CHECK(b.spent() == 0);
  CHECK(b.reserved() == Approx(0.70));  // requests in flight keep theirs
}

TEST_CASE("concurrent reservations never pass the limit together") {
  budget_account b(1.00, 0.8);
  int admitted = 0;
  for (int i = 0; i < 200; ++i)
    admitted += b.reserve(0.03);
  CHECK(admitted == 33);
  CHECK(b.spent() + b.reserved() <= 1.00);
}

}  // namespace
}  // namespace llmopt
