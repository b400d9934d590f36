#include "actors/spend_guard.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

// 2026-12-05T13:45:00Z, and the start of its day.
constexpr long long now = 1'796'478'300'000;
constexpr long long today = 1'796'428'800'000;

caller key(long long rpm = 0, double budget = 0) {
  caller c;
  c.key_id = "key_1";
  c.key_name = "team-a";
  if (rpm) c.policy.rpm = rpm;
  if (budget) c.policy.budget_usd = budget;
  c.policy.period = budget_period::day;
  return c;
}

std::string header(const std::vector<std::pair<std::string, std::string>>& headers,
                   const std::string& name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

spend_entry billed(double usd) {
  spend_entry e;
  e.key_id = "key_1";
  e.route = "chat";
  e.model = "openai:gpt-4o";
  e.usd = usd;
  return e;
}

TEST_CASE("a key over its RPM is refused with Retry-After and OpenAI's headers") {
  spend_guard guard({}, {}, [](std::vector<spend_entry>) {});
  for (int i = 0; i < 2; ++i) {
    auto a = guard.admit(key(2), "chat", {10, 0.0}, now);
    REQUIRE(std::holds_alternative<admission>(a));
    CHECK(header(std::get<admission>(a).headers, "x-ratelimit-limit-requests") == "2");
  }
  auto refused = guard.admit(key(2), "chat", {10, 0.0}, now + 1'500);
  REQUIRE(std::holds_alternative<refusal>(refused));
  const auto& r = std::get<refusal>(refused);
  CHECK(r.error.status == 429);
  CHECK(r.error.code == "rate_limit_exceeded");
  CHECK(r.error.message.find("team-a") != std::string::npos);
  CHECK(header(r.headers, "retry-after") == "59");
  CHECK(header(r.headers, "x-ratelimit-remaining-requests") == "0");
  CHECK(header(r.headers, "x-ratelimit-reset-requests") == "59s");
  // Another key, and a request without one, are not held back.
  auto other = key(2);
  other.key_id = "key_2";
  CHECK(std::holds_alternative<admission>(guard.admit(other, "chat", {10, 0.0}, now + 1'500)));
  CHECK(std::holds_alternative<admission>(guard.admit(caller{}, "chat", {10, 0.0}, now + 1'500)));
  CHECK(std::holds_alternative<admission>(guard.admit(key(2), "chat", {10, 0.0}, now + 60'000)));
}

TEST_CASE("a budget refuses what it cannot hold and charges what was billed") {
  std::vector<spend_entry> ledger;
  spend_guard_options options;
  options.route_budgets["chat"] = {1.00, budget_period::month};
  spend_guard guard(options, {}, [&](std::vector<spend_entry> e) {
    ledger.insert(ledger.end(), e.begin(), e.end());
  });
  std::vector<admission> in_flight;
  for (int i = 0; i < 200; ++i) {
    auto a = guard.admit(caller{}, "chat", {100, 0.03}, now);
    if (auto* ok = std::get_if<admission>(&a)) in_flight.push_back(*ok);
    else CHECK(std::get<refusal>(a).error.code == "insufficient_quota");
  }
  CHECK(in_flight.size() == 33);  // 33 x 0.03 <= 1.00 < 34 x 0.03
  for (const auto& a : in_flight)
    guard.settle(a, {billed(0.01)}, now);
  CHECK(ledger.size() == 33);
  // 0.33 spent: 22 more reservations fit (0.33 + 22 x 0.03 = 0.99).
  int more = 0;
  for (int i = 0; i < 50; ++i)
    more += std::holds_alternative<admission>(guard.admit(caller{}, "chat", {100, 0.03}, now));
  CHECK(more == 22);
  // Other routes have no budget.
  CHECK(std::holds_alternative<admission>(guard.admit(caller{}, "other", {100, 5.0}, now)));
}

TEST_CASE("a key's budget carries over a restart and starts again with its period") {
  spend_totals spent;
  spent.by_key["key_1"][today] = 0.95;
  spent.by_key["key_1"][today - 86'400'000] = 5.0;  // yesterday: not today's
  spend_guard guard({}, spent, [](std::vector<spend_entry>) {});
  auto a = guard.admit(key(0, 1.00), "chat", {100, 0.04}, now);
  REQUIRE(std::holds_alternative<admission>(a));
  CHECK(std::get<admission>(a).past_soft_limit);
  CHECK(header(std::get<admission>(a).headers, "x-llmopt-budget") == "soft-limit");
  auto refused = guard.admit(key(0, 1.00), "chat", {100, 0.04}, now);
  REQUIRE(std::holds_alternative<refusal>(refused));
  CHECK(std::get<refusal>(refused).error.message.find("day budget of key team-a") !=
        std::string::npos);
  // Tomorrow the day budget is whole again.
  auto tomorrow = guard.admit(key(0, 1.00), "chat", {100, 0.04}, today + 86'400'000);
  REQUIRE(std::holds_alternative<admission>(tomorrow));
  CHECK_FALSE(std::get<admission>(tomorrow).past_soft_limit);
}

TEST_CASE("reset durations read as OpenAI writes them") {
  CHECK(reset_duration(20) == "20ms");
  CHECK(reset_duration(1'000) == "1s");
  CHECK(reset_duration(360'000) == "6m0s");
  CHECK(reset_duration(61'500) == "1m2s");
}

}  // namespace
}  // namespace llmopt
