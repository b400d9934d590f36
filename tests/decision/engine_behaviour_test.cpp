// The decision engine's behaviours, each driven on virtual time through the
// aggregator as the daemon's actors drive it.

#include <catch2/catch.hpp>

#include <algorithm>

#include "decision/aggregator.hpp"
#include "decision/engine.hpp"
#include "decision/quality_posterior.hpp"
#include "decision/scoring.hpp"
#include "decision/world_model.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

const model_key opus = "anthropic:claude-3-opus";

route_spec chat_route(std::vector<model_key> candidates = {gpt, sonnet, mini}) {
  return route_spec{"chat", std::move(candidates), {0.6, 0.2, 0.2}, 0.01, 5000};
}

// Latency weighs most, as on an interactive route.
route_spec latency_route() {
  return route_spec{"chat", {gpt, sonnet, mini}, {0.3, 0.1, 0.6}, 0.01, 3000};
}

// Neutral priors: the engine is told nothing of quality.
std::vector<model_spec> catalog() {
  return {{mini, {0.15, 0.6}, 0.5},
          {gpt, {2.5, 10}, 0.5},
          {sonnet, {3, 15}, 0.5},
          {opus, {150, 750}, 0.5}};
}

struct world {
  explicit world(route_spec route = chat_route(), engine_options options = {})
      : engine(options, {route}, catalog(), 0) {}
  aggregator agg{aggregator_options{}, catalog()};
  decision_engine engine;
  time_ms now = 1'000'000;

  std::vector<decision> decide(const decision_trigger& trigger = tick_trigger()) {
    return engine.decide(agg.views(now), now, trigger);
  }
  void apply(const typed_signal& s) { agg.apply(s, now); }
  double weight(const model_key& m) const { return engine.table().at("chat").weight_of(m); }
  model_key choose(std::uint64_t i) const {
    return engine.table().at("chat").attempt_order(uniform_draw(7, i, 0)).front();
  }
  // `n` feedback signals on `m` with `good` of them good.
  // `good` of `n` answers judged good, spread evenly: a steady rate, not a
  // run of good ones then a run of bad ones (which tells a change).
  void feedback_on(const model_key& m, int good, int n) {
    for (int i = 0; i < n; ++i)
      apply(feedback(m, (i + 1) * good / n > i * good / n ? 1.0 : 0.0, "chat"));
  }
  // Feedback on `n` answers each that makes sonnet the clear leader, and
  // the startup decision.
  void judge_sonnet_best(int n = 50) {
    feedback_on(sonnet, n * 9 / 10, n);
    feedback_on(gpt, n * 7 / 10, n);
    feedback_on(mini, n * 3 / 10, n);
    decide(startup_trigger());
  }
  // A second at 20 requests/s, 50 ms apart, each to the model the table
  // chooses and successful when `ok(model, request)`, taking its mean
  // latency (900 ms unless set) give or take half; then a decision.
  template <typename Ok>
  std::vector<decision> second_of_calls(Ok ok) {
    for (int r = 0; r < 20; ++r, ++request) {
      const model_key m = choose(request);
      const auto set = mean_latency_ms.find(m);
      const double mean = set == mean_latency_ms.end() ? 900 : set->second;
      apply(outcome(m, ok(m, request), mean * (0.5 + uniform_draw(5, request, 0))));
      now += 50;
    }
    return decide();
  }
  std::uint64_t request = 0;  // the next request's index
  std::map<model_key, double> mean_latency_ms;
};

const candidate_assessment& candidate(const decision& d, const model_key& m) {
  return *std::find_if(d.candidates.begin(), d.candidates.end(),
                       [&](const auto& c) { return c.model == m; });
}

// The decision's first reason with `code`, or null.
const decision_reason* reason_of(const decision& d, reason_code code) {
  auto it = std::find_if(d.reasons.begin(), d.reasons.end(),
                         [&](const decision_reason& r) { return r.code == code; });
  return it == d.reasons.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("exploration finds the best model from sparse feedback without wasting traffic") {
  // True quality: sonnet 0.9, gpt 0.85, mini 0.3 (a clear loser). 20
  // requests/s for 5 minutes, feedback on 30% of them, a decision a second.
  world w;
  w.decide(startup_trigger());
  const std::map<model_key, double> quality = {{sonnet, 0.9}, {gpt, 0.85}, {mini, 0.3}};
  std::map<model_key, long long> sent_last_minute;
  std::uint64_t i = 0;
  for (int second = 0; second < 300; ++second) {
    for (int r = 0; r < 20; ++r, ++i) {
      const model_key m = w.choose(i);
      if (second >= 240) ++sent_last_minute[m];
      w.apply(outcome(m, true, 900, 0.005));
      if (uniform_draw(11, i, 1) < 0.3)
        w.apply(feedback(m, uniform_draw(11, i, 2) < quality.at(m) ? 1.0 : 0.0, "chat"));
    }
    w.now += 1000;
    w.decide();
  }
  // The clear loser gets next to nothing; the best model most of the traffic.
  CHECK(sent_last_minute[mini] < 1200 * 0.02);
  CHECK(sent_last_minute[sonnet] > 1200 * 0.6);
}

TEST_CASE("a couple of bad early answers do not write a model off") {
  world w;
  w.feedback_on(sonnet, 9, 10);
  w.feedback_on(mini, 9, 10);
  w.feedback_on(gpt, 1, 2);
  w.decide(startup_trigger());
  // The route's other models answer well; one bad answer of two leaves gpt
  // plausible, so it keeps a share that will settle the question.
  CHECK(w.weight(gpt) > 0.02);
}

TEST_CASE("the exploration floor goes to plausible candidates, not to one that cannot win") {
  // opus costs 60x the route's cost reference per request: even perfect
  // answers cannot make up for it.
  world w(chat_route({gpt, sonnet, mini, opus}));
  auto made = w.decide(startup_trigger());
  REQUIRE(made.size() == 1);
  CHECK(w.weight(opus) < 0.001);
  CHECK(candidate(made[0], opus).score);  // scored, not excluded: it just cannot win
  for (const auto& m : {gpt, sonnet, mini})
    CHECK(w.weight(m) > 0.005);
}

TEST_CASE("a model failing every call loses its traffic within 2 s at 20 requests/s") {
  world w;
  w.judge_sonnet_best();
  REQUIRE(w.weight(sonnet) > 0.8);
  // 20 s of healthy traffic first: the live window is full of successes, so
  // its error rate alone would take far longer than 2 s to notice.
  for (int second = 0; second < 20; ++second)
    w.second_of_calls([](const model_key&, std::uint64_t) { return true; });
  const time_ms outage = w.now;
  time_ms lost_at = 0;
  for (int second = 0; second < 5 && !lost_at; ++second) {
    w.second_of_calls([](const model_key& m, std::uint64_t) { return m != sonnet; });
    if (w.weight(sonnet) == 0) lost_at = w.now;
  }
  REQUIRE(lost_at > 0);
  CHECK(lost_at - outage <= 2000);
  CHECK(w.weight(gpt) > 0.5);
}

TEST_CASE("an error burst on the leading model moves its traffic within seconds") {
  world w;
  w.judge_sonnet_best();
  REQUIRE(w.weight(sonnet) > 0.8);
  // A minute at 20 requests/s with 1% errors, then sonnet fails 30% of its
  // calls: not every call, so no failure streak takes it out.
  auto with_errors = [](double sonnet_errors) {
    return [sonnet_errors](const model_key& m, std::uint64_t i) {
      return uniform_draw(3, i, 0) >= (m == sonnet ? sonnet_errors : 0.01);
    };
  };
  for (int second = 0; second < 60; ++second)
    w.second_of_calls(with_errors(0.01));
  REQUIRE(w.weight(sonnet) > 0.8);
  std::vector<decision> made;
  int seconds = 0;
  while (w.weight(sonnet) > 0.1 && seconds < 60) {
    made = w.second_of_calls(with_errors(0.3));
    ++seconds;
  }
  CHECK(seconds <= 3);
  // Its newest calls gave it away, while the live window's error rate was
  // still far below the burst's.
  REQUIRE(made.size() == 1);
  const auto& out = candidate(made[0], sonnet);
  const model_view v = w.agg.views(w.now).at(sonnet);
  CHECK(out.calls < v.calls);
  CHECK(out.error_rate > 2 * v.error_rate());
  CHECK(*out.score < *candidate(made[0], gpt).score);
}

TEST_CASE("a slowdown of the leading model moves its traffic within seconds") {
  world w(latency_route());
  w.judge_sonnet_best();
  REQUIRE(w.weight(sonnet) > 0.8);
  auto ok = [](const model_key&, std::uint64_t) { return true; };
  for (int second = 0; second < 60; ++second)
    w.second_of_calls(ok);
  REQUIRE(w.weight(sonnet) > 0.8);
  w.mean_latency_ms[sonnet] = 2400;
  std::vector<decision> made;
  int seconds = 0;
  while (w.weight(sonnet) > 0.1 && seconds < 60) {
    made = w.second_of_calls(ok);
    ++seconds;
  }
  CHECK(seconds <= 3);
  // Its newest calls gave it away, while the live window's mean latency was
  // still close to what it had been.
  REQUIRE(made.size() == 1);
  const auto& out = candidate(made[0], sonnet);
  const model_view v = w.agg.views(w.now).at(sonnet);
  CHECK(out.latency_samples < static_cast<double>(v.latency_samples));
  CHECK(out.expected_latency_ms > *v.mean_latency_ms + 150);
  CHECK(*out.score < *candidate(made[0], gpt).score);
}

TEST_CASE("a model with few calls of its own is judged on a fresh latency profile") {
  world w(latency_route());
  w.judge_sonnet_best();
  auto ok = [](const model_key&, std::uint64_t) { return true; };
  w.mean_latency_ms[sonnet] = 2400;
  for (int second = 0; second < 30; ++second)
    w.second_of_calls(ok);
  REQUIRE(w.weight(sonnet) < 0.1);
  // It recovers; the live window still holds its slow calls, and it gets
  // too few new ones to show that soon.
  w.mean_latency_ms[sonnet] = 900;
  w.second_of_calls(ok);
  REQUIRE(w.weight(sonnet) < 0.1);
  // LatencyLens has seen 400 calls of it at 900 ms.
  w.apply(profile(sonnet, 900, 400));
  auto made = w.decide();
  REQUIRE(made.size() == 1);
  CHECK(w.weight(sonnet) > 0.5);
  const auto& out = candidate(made[0], sonnet);
  CHECK(out.latency_samples > 400);
  CHECK(out.expected_latency_ms < 1200);
}

TEST_CASE("a model down for failing calls is tried again after the retry time") {
  world w;
  for (int i = 0; i < 100; ++i)
    w.apply(outcome(gpt, true, 900));
  for (int i = 0; i < 5; ++i)
    w.apply(outcome(gpt, false, 900));
  auto made = w.decide(startup_trigger());
  REQUIRE(w.weight(gpt) == 0);
  CHECK(candidate(made[0], gpt).excluded.is(constraint_code::failure_streak));
  CHECK(candidate(made[0], gpt).excluded.figure("calls") == 5);
  CHECK(describe(candidate(made[0], gpt).excluded) == "down: the last 5 calls failed");
  w.now += engine_options{}.down_retry_ms;
  made = w.decide();
  // Retried with a probe share, not with what its score would earn: while
  // it is not known to be back, the route risks a request, not a second.
  REQUIRE(made.size() == 1);
  CHECK(w.weight(gpt) > 0);
  CHECK(w.weight(gpt) <= 0.02 + 1e-9);
  CHECK(candidate(made[0], gpt).held_back.is(constraint_code::retrying));
  CHECK(describe(candidate(made[0], gpt).held_back) == "retrying: the last 5 calls failed");
  CHECK(explain(made[0]).find("held back: retrying") != std::string::npos);
  // One more failure on the retry: down again at once.
  w.apply(outcome(gpt, false, 900));
  w.decide();
  CHECK(w.weight(gpt) == 0);
  // A success on the next retry: back to the share its score earns.
  w.now += engine_options{}.down_retry_ms;
  w.decide();
  w.apply(outcome(gpt, true, 900));
  made = w.decide();
  REQUIRE(made.size() == 1);
  CHECK(candidate(made[0], gpt).held_back.empty());
  CHECK(w.weight(gpt) > 0.1);
}

TEST_CASE("a model that is the only one left is retried with all the traffic") {
  world w(chat_route({gpt}));
  for (int i = 0; i < 5; ++i)
    w.apply(outcome(gpt, false, 900));
  w.decide(startup_trigger());
  w.now += engine_options{}.down_retry_ms;
  w.decide();
  CHECK(w.weight(gpt) == 1.0);
}

TEST_CASE("a quality drift moves traffic at once, with its reason, until feedback outweighs it") {
  world w;
  w.feedback_on(sonnet, 90, 100);
  w.feedback_on(gpt, 75, 100);
  w.feedback_on(mini, 30, 100);
  w.decide(startup_trigger());
  REQUIRE(w.weight(sonnet) > 0.8);
  w.now += 1000;
  auto signal = drift(sonnet, "d-401", 0.5, 0.98);
  REQUIRE(is_urgent(signal));
  w.apply(signal);
  auto made = w.decide(signal_trigger(signal));
  REQUIRE(made.size() == 1);
  CHECK(describe(made[0].trigger).find("d-401") != std::string::npos);
  CHECK(candidate(made[0], sonnet).quality < 0.9 * 0.8);
  CHECK(w.weight(sonnet) < 0.1);
  CHECK(w.weight(gpt) > 0.8);
  // The record says the drift discounted sonnet's earlier feedback.
  const auto& drifted = candidate(made[0], sonnet).quality_changed;
  CHECK(drifted.cause == quality_change_cause::drift);
  const decision_reason* reason = reason_of(made[0], reason_code::quality_drifted);
  REQUIRE(reason);
  CHECK(reason->model == sonnet);
  CHECK(reason->figure("from") == drifted.from);
  CHECK(describe(*reason).find("a quality drift discounts its earlier feedback") !=
        std::string::npos);
}

TEST_CASE("a model's answers getting worse move its traffic with no drift signal, and say so") {
  world w;
  w.judge_sonnet_best(100);
  REQUIRE(w.weight(sonnet) > 0.8);

  // Sonnet's answers fall to half good: nothing but the feedback says so.
  // Decisions may follow the mean down before the watch tells the change;
  // the one after it says so.
  std::vector<decision> made;
  auto told = [&] {
    return made.size() == 1 &&
           candidate(made[0], sonnet).quality_changed.cause != quality_change_cause::none;
  };
  for (int i = 0; i < 120 && !told(); ++i) {
    w.now += 1000;
    w.feedback_on(sonnet, 1, 2);
    made = w.decide();
  }
  REQUIRE(told());
  const auto& changed = candidate(made[0], sonnet).quality_changed;
  CHECK(changed.cause == quality_change_cause::feedback);
  CHECK(changed.from > changed.to + 0.1);
  CHECK(changed.to < 0.65);
  CHECK(w.weight(gpt) > w.weight(sonnet));
  const decision_reason* reason = reason_of(made[0], reason_code::quality_changed);
  REQUIRE(reason);
  CHECK(reason->model == sonnet);
  CHECK(describe(*reason).find(sonnet + " quality 0.") == 0);
  CHECK(describe(*reason).find("answers' feedback tells a change") != std::string::npos);

  // The next decision does not repeat a change already given as a reason.
  w.now += 1000;
  w.apply(block(mini, "residency", "chat"));
  auto next = w.decide();
  REQUIRE(next.size() == 1);
  for (const auto& r : next[0].reasons)
    CHECK(r.code != reason_code::quality_changed);
}

TEST_CASE("a resolved anomaly lifts its effect at once") {
  world w;
  w.decide(startup_trigger());
  auto raised = anomaly(gpt, "a-9", anomaly_type::availability_issue, severity::high);
  w.apply(raised);
  auto made = w.decide(signal_trigger(raised));
  REQUIRE(w.weight(gpt) == 0);
  CHECK(candidate(made[0], gpt).excluded.is(constraint_code::anomaly));
  CHECK(describe(candidate(made[0], gpt).excluded).rfind("down: ", 0) == 0);
  auto resolved = anomaly(gpt, "a-9", anomaly_type::availability_issue, severity::high, false);
  REQUIRE(is_urgent(resolved));
  w.apply(resolved);
  w.decide(signal_trigger(resolved));
  CHECK(w.weight(gpt) > 0);
}

TEST_CASE("a steady world makes few decisions and the best model does not bounce") {
  world w;
  w.feedback_on(sonnet, 180, 200);
  w.feedback_on(gpt, 120, 200);
  w.feedback_on(mini, 60, 200);
  w.decide(startup_trigger());
  int decisions = 0;
  double lowest = 1;
  for (int second = 0; second < 600; ++second) {
    w.now += 1000;
    if (second % 10 == 0) w.feedback_on(sonnet, 9, 10);
    decisions += static_cast<int>(w.decide().size());
    lowest = std::min(lowest, w.weight(sonnet));
  }
  CHECK(decisions <= 5);
  CHECK(lowest > 0.9);
}

TEST_CASE("quality evidence fades by half every half-life and rests on the prior") {
  const auto prior = quality_posterior::from_prior(0.5, 2);
  auto q = prior;
  q.forget(1000, 60'000, prior);  // the first use starts the clock
  for (int i = 0; i < 40; ++i)
    q.observe(1.0);
  REQUIRE(q.evidence(prior) == Approx(40));
  q.forget(61'000, 60'000, prior);
  CHECK(q.evidence(prior) == Approx(20));
  CHECK(q.mean() == Approx(21.0 / 22));
  q.forget(61'000 + 600'000, 60'000, prior);
  CHECK(q.evidence(prior) < 0.1);
  CHECK(q.mean() == Approx(0.5).margin(0.01));
  CHECK(q.samples == 40);  // what was received, for operators
}

// gpt and sonnet answer equally well; gpt is fast on average but with a
// long tail (p95 near 4 s), sonnet steadily 1.5 s. Without an SLO gpt's
// lower mean latency and price win.
void long_tail_calls(world& w) {
  w.feedback_on(gpt, 45, 50);
  w.feedback_on(sonnet, 45, 50);
  for (int i = 0; i < 100; ++i) {
    w.apply(outcome(gpt, true, i % 10 == 0 ? 4000 : 500));
    w.apply(outcome(sonnet, true, 1500));
  }
}

TEST_CASE("a candidate over the route's latency SLO is held back while another meets it") {
  route_spec route = chat_route({gpt, sonnet});
  route.latency_slo_ms = 2000;
  world w(route);
  long_tail_calls(w);
  auto made = w.decide(startup_trigger());
  REQUIRE(made.size() == 1);
  const auto& g = candidate(made[0], gpt);
  CHECK(g.held_back.is(constraint_code::latency_slo));
  CHECK(g.held_back.figure("slo_ms") == 2000);
  CHECK(g.held_back.figure("p95_ms") > 2000);
  CHECK(describe(g.held_back).find("over the route's SLO of 2000 ms") != std::string::npos);
  CHECK(w.weight(gpt) <= 0.02 + 1e-9);
  CHECK(w.weight(sonnet) >= 0.98 - 1e-9);
  CHECK(*g.score > *candidate(made[0], sonnet).score);

  // A minute later its window is empty: too few calls to tell, and it
  // stays held back rather than bounce back in for want of evidence.
  w.now += 61'000;
  w.decide();
  CHECK(w.weight(gpt) <= 0.02 + 1e-9);
  // Calls that show a p95 within the SLO release it.
  for (int i = 0; i < 30; ++i)
    w.apply(outcome(gpt, true, 500));
  made = w.decide();
  REQUIRE(made.size() == 1);
  CHECK(candidate(made[0], gpt).held_back.empty());
  CHECK(w.weight(gpt) > 0.5);

  world no_slo(chat_route({gpt, sonnet}));
  long_tail_calls(no_slo);
  no_slo.decide(startup_trigger());
  CHECK(no_slo.weight(gpt) > 0.5);
}

TEST_CASE("when no candidate meets the latency SLO, they are weighed by score") {
  route_spec route = chat_route({gpt, sonnet});
  route.latency_slo_ms = 1000;
  world w(route);
  w.feedback_on(gpt, 45, 50);
  w.feedback_on(sonnet, 45, 50);
  for (int i = 0; i < 100; ++i) {
    w.apply(outcome(gpt, true, 1200));
    w.apply(outcome(sonnet, true, 3000));
  }
  auto made = w.decide(startup_trigger());
  REQUIRE(made.size() == 1);
  CHECK(w.weight(gpt) > 0.9);
  CHECK(candidate(made[0], sonnet).held_back.every_candidate);
  CHECK(describe(candidate(made[0], sonnet).held_back).find("so is every other candidate") !=
        std::string::npos);
}

TEST_CASE("too few calls to know a model's tail do not hold it back") {
  route_spec route = chat_route({gpt, sonnet});
  route.latency_slo_ms = 2000;
  world w(route);
  for (int i = 0; i < 5; ++i)
    w.apply(outcome(gpt, true, 5000));
  auto made = w.decide(startup_trigger());
  REQUIRE(made.size() == 1);
  CHECK(candidate(made[0], gpt).held_back.empty());
}

TEST_CASE("weights move only when the move is worth it per request") {
  // Two models at the same price and latency, their quality known from
  // 1000 answers each. A swap of the lead between near-equal models moves
  // a fifth of the traffic but changes a request's utility by ~0.0003: not
  // a decision. A real difference is.
  const model_key a = "p:a", b = "p:b";
  const route_spec route{"chat", {a, b}, {0.6, 0.2, 0.2}, 0.01, 5000};
  const std::vector<model_spec> catalog_ab{{a, {1, 2}, 0.5}, {b, {1, 2}, 0.5}};
  decision_engine engine(engine_options{}, {route}, catalog_ab, 0);
  auto views_with = [&](double good_a, double good_b) {
    std::unordered_map<model_key, model_view> views;
    for (const auto& [m, good] : {std::pair{a, good_a}, std::pair{b, good_b}}) {
      model_view v;
      v.model = m;
      v.calls = 1000;
      v.mean_latency_ms = 900;
      v.quality = quality_posterior::pseudo(1 + good, 1 + 1000 - good);
      v.quality.samples = 1000;
      views.emplace(m, v);
    }
    return views;
  };
  time_ms now = 1'000'000;
  REQUIRE(engine.decide(views_with(851, 849), now, startup_trigger()).size() == 1);
  const double lead = engine.table().at("chat").weight_of(a);
  REQUIRE(lead > 0.55);

  now += 1000;
  auto swapped = engine.decide(views_with(849, 851), now, tick_trigger());
  CHECK(swapped.empty());
  CHECK(engine.table().at("chat").weight_of(a) == lead);

  // The same swap with no minimum gain is a decision: it is a large move.
  engine_options eager;
  eager.min_gain = 0;
  decision_engine eager_engine(eager, {route}, catalog_ab, 0);
  eager_engine.decide(views_with(851, 849), now - 1000, startup_trigger());
  CHECK(eager_engine.decide(views_with(849, 851), now, tick_trigger()).size() == 1);

  now += 1000;
  auto clear = engine.decide(views_with(800, 851), now, tick_trigger());
  REQUIRE(clear.size() == 1);
  CHECK(engine.table().at("chat").weight_of(b) > 0.9);
}
