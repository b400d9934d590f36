// The shared ledger's Lua scripts against a real redis-server: budgets
// reserve up to their limit and no further, all or none; a settlement
// replaces the reservation by the cost; periods roll over; a reservation
// nobody settles lapses; key limits count across instances. Time is the
// test's: every call says what time it is.

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include <hiredis/hiredis.h>

#include "adapters/redis/redis_ledger.hpp"
#include "tests/support/redis_server.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

constexpr long long day_ms = 86'400'000;
constexpr long long t0 = 1'796'000'000'000;  // some time in 2026, Unix ms

redis_ledger::options at(int port) {
  redis_ledger::options o;
  o.address.port = port;
  o.address.timeout_ms = 200;
  return o;
}

// Redis expires keys on its own clock: the test's budgets expire a day
// from now, whatever time the test says it is.
long long a_day_from_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + day_ms;
}

shared_budget budget(const std::string& scope, double limit, long long period_start = 0,
                     double seed = 0) {
  return {scope, period_start, a_day_from_now(), limit, seed};
}

ledger_request reserve(const std::string& id, double usd, long long now,
                       std::vector<shared_budget> budgets, std::vector<shared_limit> limits = {}) {
  ledger_request r;
  r.reservation_id = id;
  r.now_ms = now;
  r.hold_until_ms = now + 60'000;
  r.usd = usd;
  r.budgets = std::move(budgets);
  r.limits = std::move(limits);
  return r;
}

// An admission, awaited (the callback runs on the Redis thread).
std::optional<ledger_verdict> admit(redis_ledger& ledger, ledger_request r) {
  std::promise<std::optional<ledger_verdict>> answered;
  ledger.admit(std::move(r), [&](std::optional<ledger_verdict> v) { answered.set_value(v); });
  auto f = answered.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  return f.get();
}

ledger_verdict::outcome outcome_of(redis_ledger& ledger, ledger_request r) {
  auto v = admit(ledger, std::move(r));
  REQUIRE(v);
  return v->result;
}

void settle(redis_ledger& ledger, const std::string& id, double billed, long long now,
            std::vector<shared_budget> budgets, std::vector<long long> reserved_in = {}) {
  ledger_settlement s;
  s.reservation_id = id;
  s.now_ms = now;
  s.billed_usd = billed;
  s.budgets = std::move(budgets);
  s.reserved_in = reserved_in.empty() ? std::vector<long long>(s.budgets.size(), 0) : reserved_in;
  ledger.settle(std::move(s));
}

using outcome = ledger_verdict::outcome;

}  // namespace

TEST_CASE("a budget reserves up to its limit, refuses past it, and settles on the cost",
          "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  const auto dollar = budget("route:chat", 1.0);
  for (int i = 0; i < 4; ++i)
    CHECK(outcome_of(ledger, reserve("r" + std::to_string(i), 0.25, t0, {dollar})) ==
          outcome::admitted);
  auto refused = admit(ledger, reserve("r4", 0.25, t0, {dollar}));
  REQUIRE(refused);
  CHECK(refused->result == outcome::over_budget);
  CHECK(refused->refused == 0);
  REQUIRE(refused->budgets.size() == 1);
  CHECK(refused->budgets[0].spent_usd == 0);
  CHECK(refused->budgets[0].reserved_usd == 1.0);

  // One settles at half its reservation: spent 0.125 + held 0.75 + 0.25 > 1.
  settle(ledger, "r0", 0.125, t0, {dollar});
  CHECK(outcome_of(ledger, reserve("r5", 0.25, t0, {dollar})) == outcome::over_budget);
  // A second one does too: 0.25 + 0.5 + 0.25 fits exactly.
  settle(ledger, "r1", 0.125, t0, {dollar});
  auto fits = admit(ledger, reserve("r6", 0.25, t0, {dollar}));
  REQUIRE(fits);
  CHECK(fits->result == outcome::admitted);
  CHECK(fits->budgets[0].spent_usd == 0.25);
  CHECK(fits->budgets[0].reserved_usd == 0.75);

  // Settling twice, or what was never reserved, releases nothing more.
  settle(ledger, "r1", 0, t0, {dollar});
  settle(ledger, "nobody", 0, t0, {dollar});
  auto after = admit(ledger, reserve("r7", 0, t0, {dollar}));
  REQUIRE(after);
  CHECK(after->budgets[0].spent_usd == 0.25);
  CHECK(after->budgets[0].reserved_usd == 0.75);
}

TEST_CASE("a request reserves on all its budgets or on none", "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  const auto key = budget("key:abc", 10.0);
  const auto route = budget("route:chat", 0.5);
  CHECK(outcome_of(ledger, reserve("a", 0.25, t0, {key, route})) == outcome::admitted);
  CHECK(outcome_of(ledger, reserve("b", 0.25, t0, {key, route})) == outcome::admitted);
  auto refused = admit(ledger, reserve("c", 0.25, t0, {key, route}));
  REQUIRE(refused);
  CHECK(refused->result == outcome::over_budget);
  CHECK(refused->refused == 1);  // the route's
  // The key's budget holds the two admitted, not the refused one.
  auto key_only = admit(ledger, reserve("d", 0, t0, {key}));
  REQUIRE(key_only);
  CHECK(key_only->budgets[0].reserved_usd == 0.5);
}

TEST_CASE("a new period starts from Redis's counter, or from the seed when Redis has none",
          "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  const long long today = t0 - t0 % day_ms;
  const long long tomorrow = today + day_ms;
  const auto spent_today = budget("key:abc", 1.0, today, 0.9);  // the ledger says 0.9 spent
  CHECK(outcome_of(ledger, reserve("a", 0.25, t0, {spent_today})) == outcome::over_budget);
  CHECK(outcome_of(ledger, reserve("b", 0.1, t0, {spent_today})) == outcome::admitted);
  // Another instance with another seed: Redis has the counter, it wins.
  auto other = budget("key:abc", 1.0, today, 0.0);
  CHECK(outcome_of(ledger, reserve("c", 0.25, t0, {other})) == outcome::over_budget);

  // Tomorrow is a new budget. "b", reserved today, settles tomorrow: its
  // hold leaves today's budget and its cost counts tomorrow.
  const auto next_day = budget("key:abc", 1.0, tomorrow);
  settle(ledger, "b", 0.5, tomorrow + 10, {next_day}, {today});
  auto tomorrow_figures = admit(ledger, reserve("d", 0.5, tomorrow + 20, {next_day}));
  REQUIRE(tomorrow_figures);
  CHECK(tomorrow_figures->result == outcome::admitted);
  CHECK(tomorrow_figures->budgets[0].spent_usd == 0.5);
  auto today_figures = admit(ledger, reserve("e", 0, t0, {spent_today}));
  REQUIRE(today_figures);
  CHECK(today_figures->budgets[0].spent_usd == Approx(0.9));
  CHECK(today_figures->budgets[0].reserved_usd == 0);
}

TEST_CASE("a reservation never settled (its instance crashed) lapses at its deadline", "[ledger]") {
  redis_server redis;
  const auto dollar = budget("route:chat", 1.0);
  {
    redis_ledger crashed(at(redis.port()));
    auto held = reserve("lost", 1.0, t0, {dollar});
    held.hold_until_ms = t0 + 30'000;
    CHECK(outcome_of(crashed, held) == outcome::admitted);
  }
  redis_ledger ledger(at(redis.port()));
  CHECK(outcome_of(ledger, reserve("early", 0.25, t0 + 29'000, {dollar})) == outcome::over_budget);
  auto later = admit(ledger, reserve("late", 0.25, t0 + 30'001, {dollar}));
  REQUIRE(later);
  CHECK(later->result == outcome::admitted);
  CHECK(later->budgets[0].reserved_usd == 0.25);
  CHECK(later->budgets[0].spent_usd == 0);
}

TEST_CASE("a key's RPM is a sliding window shared by every instance", "[ledger]") {
  redis_server redis;
  redis_ledger one(at(redis.port()));
  redis_ledger two(at(redis.port()));
  auto request = [](int n, long long now) {
    return reserve("q" + std::to_string(n), 0, now, {},
                   {{"abc:requests", rate_limit_kind::sliding_window, 3, 1}});
  };
  CHECK(outcome_of(one, request(1, t0)) == outcome::admitted);
  CHECK(outcome_of(two, request(2, t0 + 1000)) == outcome::admitted);
  auto third = admit(one, request(3, t0 + 2000));
  REQUIRE(third);
  CHECK(third->result == outcome::admitted);
  CHECK(third->limits[0].remaining == 0);
  auto fourth = admit(two, request(4, t0 + 3000));
  REQUIRE(fourth);
  CHECK(fourth->result == outcome::rate_limited);
  CHECK(fourth->limits[0].limit == 3);
  // The oldest leaves the window a minute after it came in.
  CHECK(fourth->limits[0].retry_after_ms == 60'000 - 3000);
  CHECK(outcome_of(one, request(5, t0 + 59'999)) == outcome::rate_limited);
  CHECK(outcome_of(two, request(6, t0 + 60'000)) == outcome::admitted);
  CHECK(outcome_of(one, request(7, t0 + 60'001)) == outcome::rate_limited);
}

TEST_CASE("TPM counts tokens, and a request larger than the limit is refused for good",
          "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  auto tokens = [](const std::string& id, long long amount, long long now) {
    return reserve(id, 0, now, {}, {{"abc:tokens", rate_limit_kind::sliding_window, 1000, amount}});
  };
  CHECK(outcome_of(ledger, tokens("a", 600, t0)) == outcome::admitted);
  auto over = admit(ledger, tokens("b", 600, t0 + 10));
  REQUIRE(over);
  CHECK(over->result == outcome::rate_limited);
  CHECK(over->limits[0].remaining == 400);
  auto too_large = admit(ledger, tokens("c", 1001, t0 + 20));
  REQUIRE(too_large);
  CHECK(too_large->limits[0].retry_after_ms == -1);
  CHECK(outcome_of(ledger, tokens("d", 400, t0 + 30)) == outcome::admitted);
}

TEST_CASE("a token bucket lets a burst through, then refills at its rate", "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  auto request = [](const std::string& id, long long now) {
    return reserve(id, 0, now, {}, {{"abc:requests", rate_limit_kind::token_bucket, 2, 1}});
  };
  CHECK(outcome_of(ledger, request("a", t0)) == outcome::admitted);
  CHECK(outcome_of(ledger, request("b", t0)) == outcome::admitted);
  auto refused = admit(ledger, request("c", t0));
  REQUIRE(refused);
  CHECK(refused->result == outcome::rate_limited);
  CHECK(refused->limits[0].retry_after_ms == 30'000);
  CHECK(outcome_of(ledger, request("d", t0 + 30'000)) == outcome::admitted);
}

TEST_CASE("a limit that refuses reserves no budget", "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  const auto dollar = budget("key:abc", 1.0);
  const shared_limit one_a_minute{"abc:requests", rate_limit_kind::sliding_window, 1, 1};
  CHECK(outcome_of(ledger, reserve("a", 0.25, t0, {dollar}, {one_a_minute})) == outcome::admitted);
  CHECK(outcome_of(ledger, reserve("b", 0.25, t0, {dollar}, {one_a_minute})) ==
        outcome::rate_limited);
  auto figures = admit(ledger, reserve("c", 0, t0, {dollar}));
  REQUIRE(figures);
  CHECK(figures->budgets[0].reserved_usd == 0.25);
}

TEST_CASE("Redis gone or silent is answered within the bound, and back is used again", "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  const auto dollar = budget("route:chat", 1.0);
  REQUIRE(admit(ledger, reserve("a", 0.25, t0, {dollar})));

  redis.freeze();
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(admit(ledger, reserve("b", 0.25, t0, {dollar})));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  redis.thaw();

  redis.kill();
  started = std::chrono::steady_clock::now();
  CHECK_FALSE(admit(ledger, reserve("c", 0.25, t0, {dollar})));
  CHECK_FALSE(admit(ledger, reserve("d", 0.25, t0, {dollar})));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  // A settlement that cannot reach Redis is counted.
  settle(ledger, "a", 0.1, t0, {dollar});
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ledger.lost_settlements() == 0 && std::chrono::steady_clock::now() < until) {
  }
  CHECK(ledger.lost_settlements() == 1);
}

TEST_CASE("a Redis restarted without the scripts gets them again", "[ledger]") {
  redis_server redis;
  redis_ledger ledger(at(redis.port()));
  const auto dollar = budget("route:chat", 1.0);
  REQUIRE(admit(ledger, reserve("a", 0.25, t0, {dollar})));
  {
    redis_connection admin({"127.0.0.1", redis.port(), 200});
    REQUIRE(admin.run({"SCRIPT", "FLUSH"}));
  }
  auto again = admit(ledger, reserve("b", 0.25, t0, {dollar}));
  REQUIRE(again);
  CHECK(again->budgets[0].reserved_usd == 0.5);
}

namespace {

// A reply as hiredis parses it from the wire, fed the raw bytes.
struct parsed_reply {
  explicit parsed_reply(const std::string& wire) {
    redisReader* reader = redisReaderCreate();
    REQUIRE(redisReaderFeed(reader, wire.data(), wire.size()) == REDIS_OK);
    void* raw = nullptr;
    REQUIRE(redisReaderGetReply(reader, &raw) == REDIS_OK);
    redisReaderFree(reader);
    REQUIRE(raw);
    reply.reset(static_cast<redisReply*>(raw));
  }
  redis_connection::reply_ptr reply;
};

std::optional<ledger_verdict> read(const std::string& wire, std::size_t limits = 1,
                                   std::size_t budgets = 1) {
  parsed_reply parsed(wire);
  return read_verdict(*parsed.reply, limits, budgets);
}

const std::string one_verdict = "*1\r\n*5\r\n:1\r\n:3\r\n:2\r\n:100\r\n:0\r\n";
const std::string one_figure = "*1\r\n*3\r\n$1\r\n1\r\n$4\r\n0.25\r\n$3\r\n0.5\r\n";

}  // namespace

TEST_CASE("the admit reply is read with bounds, and anything else is no answer", "[ledger]") {
  auto good = read("*4\r\n:1\r\n:0\r\n" + one_verdict + one_figure);
  REQUIRE(good);
  CHECK(good->result == outcome::admitted);
  CHECK(good->limits[0].remaining == 2);
  CHECK(good->budgets[0].spent_usd == 0.25);

  CHECK_FALSE(read(":1\r\n"));
  CHECK_FALSE(read("-ERR boom\r\n"));
  CHECK_FALSE(read("*4\r\n:9\r\n:0\r\n" + one_verdict + one_figure));     // unknown status
  CHECK_FALSE(read("*4\r\n:1\r\n:0\r\n" + one_verdict + one_figure, 0));  // more than asked
  CHECK_FALSE(read("*4\r\n:1\r\n:0\r\n" + one_verdict + "*0\r\n"));       // a budget missing
  CHECK_FALSE(read("*4\r\n:2\r\n:7\r\n" + one_verdict + "*0\r\n"));       // index out of range
  CHECK_FALSE(read("*4\r\n:3\r\n:1\r\n" + one_verdict +
                   "*1\r\n*3\r\n$1\r\n1\r\n$3\r\nnan\r\n$1\r\n0\r\n"));  // not finite
  CHECK_FALSE(read("*4\r\n:3\r\n:1\r\n" + one_verdict +
                   "*1\r\n*3\r\n$1\r\n1\r\n$2\r\n1x\r\n$1\r\n0\r\n"));  // not a number
  CHECK_FALSE(read("*4\r\n:1\r\n:0\r\n*1\r\n*5\r\n:1\r\n$1\r\n3\r\n:2\r\n:1\r\n:0\r\n" +
                   one_figure));  // a verdict's field not an integer
  CHECK_FALSE(read("*4\r\n:1\r\n:0\r\n*1\r\n$-1\r\n" + one_figure));  // nil where an array is
  CHECK_FALSE(read("*3\r\n:1\r\n:0\r\n" + one_verdict));
  std::string long_number(100, '1');
  CHECK_FALSE(read("*4\r\n:3\r\n:1\r\n" + one_verdict + "*1\r\n*3\r\n$100\r\n" + long_number +
                   "\r\n$1\r\n0\r\n$1\r\n0\r\n"));
}
