// The request path's shared upstream state, driven on one thread with time
// as a parameter: breakers, provider limits and pauses, and what it
// publishes to plan time and to the decision side.

#include <catch2/catch.hpp>

#include <vector>

#include "actors/upstream_guard.hpp"

using namespace llmopt;

namespace {

using skip = upstream_guard::skip;

upstream_reply failed(int status = 500, std::optional<long long> wait_ms = std::nullopt) {
  upstream_reply r;
  r.outcome = class_of_status(status);
  r.http_status = status;
  r.wait_ms = wait_ms;
  return r;
}

upstream_reply succeeded() {
  upstream_reply r;
  r.outcome = outcome_class::ok;
  r.status = call_status::ok;
  r.http_status = 200;
  return r;
}

upstream_guard_options options() {
  upstream_guard_options o;
  o.breaker = {2, 0.5, 100, 10000, 1000, 4000};
  o.limits["alpha"] = {0, 0, 1};
  return o;
}

void call(upstream_guard& g, const model_key& m, const upstream_reply& r, long long now,
          bool cut = false) {
  REQUIRE(g.check(m, 10, now).why == skip::none);
  g.started(m, 10, now);
  g.finished(m, r, cut, now);
}

}  // namespace

TEST_CASE("guard: model failures open the breaker, published to plan time and the listener") {
  upstream_guard g(options());
  std::vector<std::pair<model_key, circuit_breaker::state>> changes;
  g.on_breaker_change(
      [&](const model_key& m, circuit_breaker::state s, long long) { changes.emplace_back(m, s); });
  call(g, "beta:b", failed(), 0);
  call(g, "beta:b", failed(), 1);
  auto v = g.check("beta:b", 10, 2);
  CHECK(v.why == skip::breaker_open);
  CHECK(v.available_at_ms == 1001);
  REQUIRE(g.held()->count("beta:b") == 1);
  CHECK(g.held()->at("beta:b") == 1001);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].second == circuit_breaker::state::open);
  // The probe's success closes it, and the snapshot lets it go.
  call(g, "beta:b", succeeded(), 1001);
  CHECK(g.held()->empty());
  REQUIRE(changes.size() == 3);  // half-open, then closed
  CHECK(changes[2].second == circuit_breaker::state::closed);
}

TEST_CASE("guard: request errors, credentials errors and calls cut by the deadline do not count") {
  upstream_guard g(options());
  for (int i = 0; i < 5; ++i) {
    call(g, "beta:b", failed(400), i);
    call(g, "beta:b", failed(401), i);
    auto timeout = failed();
    timeout.status = call_status::timeout;
    call(g, "beta:b", timeout, i, true);
  }
  CHECK(g.check("beta:b", 10, 10).why == skip::none);
}

TEST_CASE("guard: a 429 that says how long to wait pauses every model of its provider") {
  upstream_guard g(options());
  call(g, "beta:b", succeeded(), 0);  // the breaker of beta:b is known
  call(g, "beta:c", failed(429, 3000), 100);
  for (const char* m : {"beta:b", "beta:c"}) {
    auto v = g.check(m, 10, 200);
    CHECK(v.why == skip::provider_paused);
    CHECK(v.available_at_ms == 3100);
    CHECK(g.held()->at(m) == 3100);
  }
  CHECK(g.check("beta:b", 10, 3100).why == skip::none);
  auto shown = g.providers_json(200, 1000000);
  CHECK(shown["beta"]["paused"] == true);
  CHECK(shown["beta"]["paused_until_ms"] == 1003100);
}

TEST_CASE("guard: a provider at max_concurrent is skipped until a call ends") {
  upstream_guard g(options());
  g.started("alpha:a", 10, 0);
  CHECK(g.check("alpha:a", 10, 1).why == skip::provider_limit);
  g.finished("alpha:a", succeeded(), false, 2);
  CHECK(g.check("alpha:a", 10, 3).why == skip::none);
  CHECK(g.providers_json(3, 0)["alpha"]["max_concurrent"] == 1);
}

TEST_CASE("guard: a reload's new limits apply while breakers and calls in flight stay") {
  upstream_guard g(options());
  call(g, "beta:b", failed(), 0);
  call(g, "beta:b", failed(), 1);
  REQUIRE(g.check("beta:b", 10, 2).why == skip::breaker_open);
  // alpha allows one call at a time; one is in flight.
  REQUIRE(g.check("alpha:a", 10, 2).why == skip::none);
  g.started("alpha:a", 10, 2);
  REQUIRE(g.check("alpha:a", 10, 3).why == skip::provider_limit);

  auto next = options();
  next.limits["alpha"] = {0, 0, 2};  // two at a time
  next.limits["gamma"] = {0, 0, 1};  // a new provider's limit
  g.reconfigure(next);
  CHECK(g.check("beta:b", 10, 4).why == skip::breaker_open);  // still open
  CHECK(g.check("alpha:a", 10, 4).why == skip::none);         // the one in flight counts
  g.started("alpha:a", 10, 4);
  CHECK(g.check("alpha:a", 10, 5).why == skip::provider_limit);
  g.started("gamma:g", 10, 5);
  CHECK(g.check("gamma:g", 10, 6).why == skip::provider_limit);

  next.limits.erase("alpha");  // no longer limited
  g.reconfigure(next);
  CHECK(g.check("alpha:a", 10, 7).why == skip::none);
}
