#include <catch2/catch.hpp>

#include "decision/aggregator.hpp"
#include "decision/engine.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

route_spec chat_route() {
  return route_spec{"chat", {gpt, sonnet, mini}, {0.6, 0.2, 0.2}, 0.01, 5000};
}

std::vector<model_spec> catalog() {
  return {{mini, {0.15, 0.6}, 0.7}, {gpt, {2.5, 10}, 0.86}, {sonnet, {3, 15}, 0.9}};
}

// An engine and an aggregator wired as the actors wire them.
struct world {
  aggregator agg{aggregator_options{}, catalog()};
  decision_engine engine{engine_options{}, {chat_route()}, catalog(), 41};
  time_ms now = 0;

  std::vector<decision> decide(const decision_trigger& trigger = tick_trigger()) {
    return engine.decide(agg.views(now), now, trigger);
  }
  double weight(const model_key& m) const { return engine.table().at("chat").weight_of(m); }
  const model_key& heaviest() const {
    const auto& w = engine.table().at("chat").weights;
    return std::max_element(w.begin(), w.end(),
                            [](auto& a, auto& b) { return a.second < b.second; })
        ->first;
  }
};

}  // namespace

TEST_CASE("the first decision covers every route and is numbered after the last one stored") {
  world w;
  auto made = w.decide(startup_trigger());
  REQUIRE(made.size() == 1);
  REQUIRE(made[0].id == 42);
  REQUIRE(made[0].route == "chat");
  REQUIRE(made[0].candidates.size() == 3);
  double total = 0;
  for (const auto& c : made[0].candidates)
    total += c.weight;
  REQUIRE(total == Approx(1));
  REQUIRE(w.engine.table().at("chat").decision_id == 42);
}

TEST_CASE("the model with the best expected utility gets the most weight") {
  world w;
  // Same latency and no errors: the priors and prices decide. The cheap
  // model's lower quality is worth less than its price advantage here.
  auto made = w.decide(startup_trigger());
  const auto& c = made[0].candidates;
  auto score = [&](const model_key& m) {
    return *std::find_if(c.begin(), c.end(), [&](auto& a) { return a.model == m; })->score;
  };
  const model_key& best = score(mini) > score(gpt) ? (score(mini) > score(sonnet) ? mini : sonnet)
                                                   : (score(gpt) > score(sonnet) ? gpt : sonnet);
  REQUIRE(w.heaviest() == best);

  // Feedback that the cheap model answers badly moves traffic away from it.
  for (int i = 0; i < 60; ++i)
    w.agg.apply(feedback(mini, 0.0), w.now);
  w.now += 1000;
  w.decide();
  REQUIRE(w.weight(mini) < 0.05);
}

TEST_CASE("a critical availability anomaly takes the model out at once, with the signal named") {
  world w;
  w.decide(startup_trigger());
  const model_key top = w.heaviest();
  auto signal = anomaly(top, "a-17", anomaly_type::availability_issue, severity::critical);
  w.agg.apply(signal, ++w.now);
  auto made = w.decide(signal_trigger(signal));
  REQUIRE(made.size() == 1);
  REQUIRE(w.weight(top) == 0);
  const auto& d = made[0];
  REQUIRE(d.trigger.kind() == trigger_kind::signal);
  REQUIRE(d.trigger.causes.front().signal->id == "a-17");
  REQUIRE(reason_lines(d).front().find("a-17") != std::string::npos);
  REQUIRE(d.reasons.front().code == reason_code::excluded);
  REQUIRE(d.reasons.front().model == top);
  REQUIRE(d.reasons.front().why.is(constraint_code::anomaly));
  auto it = std::find_if(d.candidates.begin(), d.candidates.end(),
                         [&](auto& c) { return c.model == top; });
  REQUIRE(it->excluded.is(constraint_code::anomaly));
  REQUIRE(it->excluded.detail.find("availability_issue/critical") != std::string::npos);
  REQUIRE_FALSE(it->score);

  // Resolving the anomaly lets the model back in.
  auto resolved = anomaly(top, "a-17", anomaly_type::availability_issue, severity::critical, false);
  w.agg.apply(resolved, ++w.now);
  w.decide(signal_trigger(resolved));
  REQUIRE(w.weight(top) > 0);
}

TEST_CASE("a model failing its calls is down and loses its traffic") {
  world w;
  w.decide(startup_trigger());
  for (int i = 0; i < 10; ++i)
    w.agg.apply(outcome(gpt, false, 30), ++w.now);
  auto made = w.decide();
  REQUIRE(w.weight(gpt) == 0);
  REQUIRE(made.size() == 1);
  bool named = false;
  for (const auto& r : made[0].reasons)
    named |= r.code == reason_code::excluded && r.model == gpt &&
             r.why.is(constraint_code::failure_streak) && r.why.figure("calls") == 10 &&
             describe(r).find("the last 10 calls failed") != std::string::npos;
  REQUIRE(named);
}

TEST_CASE("a model failing half its calls, not in a row, is down by its error rate") {
  world w;
  w.decide(startup_trigger());
  for (int i = 0; i < 12; ++i)
    w.agg.apply(outcome(gpt, i % 3 == 0, 30), ++w.now);
  auto made = w.decide();
  REQUIRE(w.weight(gpt) == 0);
  REQUIRE(made.size() == 1);
  bool named = false;
  for (const auto& r : made[0].reasons)
    named |= r.why.is(constraint_code::error_rate) &&
             describe(r).find("error rate 0.67 over 12 calls") != std::string::npos;
  REQUIRE(named);
}

TEST_CASE("a policy block is absolute for its route, even when every other model is down") {
  world w;
  w.agg.apply(block(sonnet, "residency", "chat"), w.now);
  for (const auto& m : {gpt, mini})
    for (int i = 0; i < 10; ++i)
      w.agg.apply(outcome(m, false, 30), ++w.now);
  auto made = w.decide();
  REQUIRE(w.weight(sonnet) == 0);
  // Down models still get a share as a last resort; the blocked one never.
  REQUIRE(w.weight(gpt) == Approx(0.5));
  REQUIRE(w.weight(mini) == Approx(0.5));
  REQUIRE(made[0].reasons.back().code == reason_code::weight_moved);
  REQUIRE(describe(made[0].reasons.back()).find("weight") != std::string::npos);
}

TEST_CASE("small moves of the scores make no new decision") {
  world w;
  w.decide(startup_trigger());
  for (int i = 0; i < 20; ++i) {
    w.agg.apply(outcome(gpt, true, 1000 + i), ++w.now);
    w.agg.apply(outcome(sonnet, true, 1000 + i), ++w.now);
    w.agg.apply(outcome(mini, true, 1000 + i), ++w.now);
  }
  w.decide();
  auto id = w.engine.table().at("chat").decision_id;
  w.agg.apply(outcome(gpt, true, 1001), ++w.now);
  REQUIRE(w.decide().empty());
  REQUIRE(w.engine.table().at("chat").decision_id == id);
}

TEST_CASE("a model whose circuit breaker is open is excluded until it closes, and says so") {
  world w;
  w.decide(startup_trigger());
  const model_key victim = w.heaviest();
  REQUIRE(w.weight(victim) > 0);
  w.now = 5000;
  w.engine.set_circuit_open(victim, true, 2000);
  auto made = w.decide(circuit_trigger(victim, true));
  REQUIRE(made.size() == 1);  // a change of who is excluded is a decision
  for (const auto& c : made[0].candidates)
    if (c.model == victim) {
      CHECK(c.weight == 0);
      CHECK(c.excluded.is(constraint_code::circuit_open));
      CHECK(c.excluded.figure("open_s") == Approx(3.0));
      CHECK(describe(c.excluded).find("3.0 s ago") != std::string::npos);
    }
  w.now = 6000;
  w.engine.set_circuit_open(victim, false, 6000);
  w.decide(circuit_trigger(victim, false));
  CHECK(w.weight(victim) > 0);
}
