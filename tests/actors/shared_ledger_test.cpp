// The shared ledger in front of each instance's spend guard, against a real
// redis-server: two instances (each its own guard and loop) spend one
// budget once; a refusal reads as the guard's; Redis silent or gone is
// decided by the instance alone, within the bound, and counted.

#include "actors/shared_ledger.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "actors/gateway_metrics.hpp"
#include "actors/wall_clock.hpp"
#include "tests/support/redis_server.hpp"

namespace llmopt {
namespace {

using test::redis_server;

caller team_key(const std::string& local_id) {
  caller c;
  c.key_id = local_id;  // each instance has its own id for the key ...
  c.key_name = "team";
  c.ledger_id = "0123456789abcdef0123456789abcdef";  // ... and the same ledger id
  c.policy.budget_usd = 1.0;
  c.policy.period = budget_period::day;
  return c;
}

std::string header(const header_list& headers, const std::string& name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return "";
}

// One instance: its guard, its loop and its shared ledger.
struct instance {
  explicit instance(const redis_server& redis)
      : guard({}, {}, [this](std::vector<spend_entry> e) { recorded += e.size(); }),
        ledger({{"127.0.0.1", redis.port(), 200}}, guard, loop, &metrics) {}
  ~instance() { ledger.stop(); }

  // An admission, awaited: the verdict comes back on the loop thread.
  std::variant<admission, refusal> admit(const caller& who, double usd) {
    std::promise<std::variant<admission, refusal>> answered;
    loop.post([&] {
      ledger.admit(who, "chat", {100, usd}, wall_clock_ms(), 30'000,
                   [&](std::variant<admission, refusal> v) { answered.set_value(std::move(v)); });
    });
    auto f = answered.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    return f.get();
  }

  void settle(const admission& a, double usd) {
    std::promise<void> done;
    loop.post([&] {
      spend_entry e;
      e.usd = usd;
      ledger.settle(a, {e}, wall_clock_ms());
      done.set_value();
    });
    done.get_future().wait();
  }

  std::size_t recorded = 0;
  gateway_metrics metrics;
  spend_guard guard;
  curl_loop loop;
  shared_ledger ledger;
};

}  // namespace

TEST_CASE("two instances spend one key's budget once", "[ledger]") {
  redis_server redis;
  instance one(redis), two(redis);
  std::vector<admission> held;
  for (int i = 0; i < 4; ++i) {
    auto& on = i % 2 ? two : one;
    auto v = on.admit(team_key(i % 2 ? "key_b" : "key_a"), 0.25);
    REQUIRE(std::holds_alternative<admission>(v));
    held.push_back(std::get<admission>(v));
    CHECK_FALSE(held.back().shared_reservation.empty());
  }
  CHECK(header(held.back().headers, "x-llmopt-budget-remaining-usd") == "0.000000");
  CHECK(header(held.back().headers, "x-llmopt-budget") == "soft-limit");
  // Each instance alone would let two more through; together they hold $1.
  auto refused = one.admit(team_key("key_a"), 0.25);
  REQUIRE(std::holds_alternative<refusal>(refused));
  const auto& e = std::get<refusal>(refused).error;
  CHECK(e.code == "insufficient_quota");
  CHECK(e.message.find("key team") != std::string::npos);
  CHECK(e.message.find("$1.000000 held by requests in flight") != std::string::npos);

  // Settled at a tenth of their reservations: $0.10 spent, room again.
  for (std::size_t i = 0; i < held.size(); ++i)
    (i % 2 ? two : one).settle(held[i], 0.025);
  CHECK(one.recorded + two.recorded == 4);  // every billed call to its own ledger
  // Each instance's settlements reach Redis on its own connection, in no
  // order with the other's: an admission that comes before some of them is
  // given back (settled at nothing) and asked again, for at most 5 s.
  std::string remaining;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto again = two.admit(team_key("key_b"), 0.25);
    REQUIRE(std::holds_alternative<admission>(again));
    remaining = header(std::get<admission>(again).headers, "x-llmopt-budget-remaining-usd");
    if (remaining == "0.650000" || std::chrono::steady_clock::now() > until) break;
    two.settle(std::get<admission>(again), 0);
  }
  CHECK(remaining == "0.650000");
}

TEST_CASE("Redis silent or gone: the instance decides alone, within the bound, and counts it",
          "[ledger]") {
  redis_server redis;
  instance one(redis);
  REQUIRE(std::holds_alternative<admission>(one.admit(team_key("key_a"), 0.25)));

  redis.freeze();
  auto started = std::chrono::steady_clock::now();
  auto alone = one.admit(team_key("key_a"), 0.25);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  REQUIRE(std::holds_alternative<admission>(alone));
  // Held by this instance's own guard, not in Redis.
  CHECK(std::get<admission>(alone).shared_reservation.empty());
  CHECK_FALSE(std::get<admission>(alone).reservations.empty());
  redis.thaw();

  redis.kill();
  started = std::chrono::steady_clock::now();
  // The guard alone still holds its own budget: $0.25 held of $1 here.
  int let_through = 0;
  for (int i = 0; i < 5; ++i)
    if (std::holds_alternative<admission>(one.admit(team_key("key_a"), 0.25))) ++let_through;
  CHECK(let_through == 3);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(2000));
  // GET /admin/v1/budgets: the budget as Redis last gave it.
  std::promise<nlohmann::json> budgets;
  one.loop.post([&] { budgets.set_value(one.ledger.budgets_json()); });
  const auto shown = budgets.get_future().get();
  REQUIRE(shown.size() == 1);
  CHECK(shown[0]["scope"] == "key:key_a");
  CHECK(shown[0]["shared"] == true);
  CHECK(shown[0]["reserved_usd"] == 0.25);
}

}  // namespace llmopt
