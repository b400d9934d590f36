// The decision engine on a route that weighs the time to the first token
// (latency_metric "ttft") rather than the whole answer's latency, driven on
// virtual time through the aggregator as the daemon's actors drive it.

#include <catch2/catch.hpp>

#include <algorithm>

#include "decision/aggregator.hpp"
#include "decision/engine.hpp"
#include "decision/printf_string.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

// Equal prices and priors: latency alone tells the candidates apart.
std::vector<model_spec> catalog() {
  return {{gpt, {1, 4}, 0.8}, {sonnet, {1, 4}, 0.8}, {mini, {1, 4}, 0.8}};
}

// Latency weighs most, as on an interactive route.
route_spec chat_route(const std::string& metric,
                      std::vector<model_key> candidates = {gpt, sonnet}) {
  route_spec r{"chat", std::move(candidates), {0.3, 0.1, 0.6}, 0.01, 3000};
  r.latency_metric = metric;
  return r;
}

struct world {
  explicit world(route_spec route) : engine(engine_options{}, {route}, catalog(), 0) {
    for (const auto& m : route.candidates)
      for (int i = 0; i < 50; ++i)
        apply(feedback(m, i < 45 ? 1.0 : 0.0, "chat"));  // all equally good
  }
  aggregator agg{aggregator_options{}, catalog()};
  decision_engine engine;
  time_ms now = 1'000'000;

  void apply(const typed_signal& s) { agg.apply(s, now); }
  // The decisions made now: none when the routing does not change.
  std::vector<decision> decide_if_changed() {
    return engine.decide(agg.views(now), now, tick_trigger());
  }
  // REQUIRES: the routing changes.
  decision decide() {
    auto made = decide_if_changed();
    REQUIRE(made.size() == 1);
    return made[0];
  }
  double weight(const model_key& m) const { return engine.table().at("chat").weight_of(m); }
};

const candidate_assessment& candidate(const decision& d, const model_key& m) {
  auto it = std::find_if(d.candidates.begin(), d.candidates.end(),
                         [&](const auto& c) { return c.model == m; });
  REQUIRE(it != d.candidates.end());
  return *it;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool any_reason_mentions(const decision& d, const std::string& part) {
  auto said = reason_lines(d);
  return std::any_of(said.begin(), said.end(), [&](const auto& r) { return mentions(r, part); });
}

// gpt starts answering at once but writes slowly; sonnet takes long to
// start and finishes sooner.
void gpt_starts_sooner_sonnet_ends_sooner(world& w) {
  for (int i = 0; i < 50; ++i) {
    w.apply(streamed(gpt, 3000, 150));
    w.apply(streamed(sonnet, 1500, 900));
  }
}

}  // namespace

TEST_CASE("a route weighing TTFT prefers the faster first token, a total route the faster answer") {
  world ttft(chat_route("ttft"));
  gpt_starts_sooner_sonnet_ends_sooner(ttft);
  const decision d = ttft.decide();
  CHECK(ttft.weight(gpt) > 0.9);
  const auto& g = candidate(d, gpt);
  CHECK(g.latency_weighed == latency_basis::ttft);
  CHECK(g.expected_latency_ms == Approx(150));
  CHECK(*g.p95_ttft_ms == Approx(150).epsilon(0.06));
  CHECK(*g.p95_ms == Approx(3000).epsilon(0.06));  // the whole answer, for operators
  CHECK(candidate(d, sonnet).expected_latency_ms == Approx(900));
  CHECK(any_reason_mentions(d, "best openai:gpt-4o"));
  CHECK(any_reason_mentions(d, "time to first token 150 ms"));

  world total(chat_route("total"));
  gpt_starts_sooner_sonnet_ends_sooner(total);
  const decision t = total.decide();
  CHECK(total.weight(sonnet) > 0.9);
  const auto& s = candidate(t, sonnet);
  CHECK(s.latency_weighed == latency_basis::total);
  CHECK(s.expected_latency_ms == Approx(1500));
  CHECK_FALSE(s.p50_ttft_ms);
  CHECK(any_reason_mentions(t, "latency 1500 ms"));
}

TEST_CASE("a candidate never streamed is weighed by its total latency at the route's share") {
  world w(chat_route("ttft", {gpt, sonnet, mini}));
  // gpt's first token takes a tenth of its answer. sonnet answers as fast
  // in total, mini twice as slowly; neither was ever streamed.
  for (int i = 0; i < 50; ++i) {
    w.apply(streamed(gpt, 3000, 300));
    w.apply(outcome(sonnet, true, 3000));
    w.apply(outcome(mini, true, 6000));
  }
  const decision d = w.decide();
  const auto& s = candidate(d, sonnet);
  CHECK(s.latency_weighed == latency_basis::ttft_from_total);
  CHECK(s.expected_latency_ms == Approx(300));
  CHECK(candidate(d, mini).expected_latency_ms == Approx(600));
  // Neither favoured nor left out for lack of data: sonnet shares the
  // traffic with gpt, whose first token it is expected to match...
  CHECK(w.weight(sonnet) > 0.3);
  CHECK(w.weight(gpt) > 0.3);
  // ...while mini's slower answer still counts against it.
  CHECK(w.weight(mini) < 0.1);

  const std::string text = explain(d);
  CHECK(mentions(text, "latency of"));
  CHECK(mentions(text, "ttft_from_total"));

  // Its first streamed calls replace the estimate.
  w.now += 1000;
  for (int i = 0; i < 20; ++i)
    w.apply(streamed(sonnet, 3000, 1200));
  w.now += 1000;
  const decision after = w.decide();
  CHECK(candidate(after, sonnet).latency_weighed == latency_basis::ttft);
  CHECK(w.weight(sonnet) < 0.1);
}

TEST_CASE("when no candidate was streamed, a TTFT route weighs total latency as a total route") {
  world ttft(chat_route("ttft"));
  world total(chat_route("total"));
  for (world* w : {&ttft, &total}) {
    for (int i = 0; i < 50; ++i) {
      w->apply(outcome(gpt, true, 3000));
      w->apply(outcome(sonnet, true, 1500));
    }
  }
  const decision d = ttft.decide();
  total.decide();
  CHECK(candidate(d, gpt).latency_weighed == latency_basis::total_for_ttft);
  CHECK(candidate(d, gpt).expected_latency_ms == Approx(3000));
  CHECK(ttft.weight(sonnet) > 0.9);
  CHECK(ttft.weight(sonnet) == total.weight(sonnet));
  CHECK(ttft.weight(gpt) == total.weight(gpt));
}

TEST_CASE("a TTFT route's latency SLO holds back a slow first token, not a slow whole answer") {
  route_spec route = chat_route("ttft", {gpt, sonnet, mini});
  route.latency_slo_ms = 500;
  world w(route);
  for (int i = 0; i < 30; ++i) {
    w.apply(streamed(gpt, 1000, 800));     // first token over the SLO
    w.apply(streamed(sonnet, 2500, 200));  // whole answer over it, first token within
    w.apply(outcome(mini, true, 2000));    // never streamed: nothing to tell
  }
  const decision d = w.decide();
  const auto& g = candidate(d, gpt);
  CHECK(*g.p95_ttft_ms == Approx(800).epsilon(0.06));
  CHECK(g.held_back.is(constraint_code::ttft_slo));
  CHECK(describe(g.held_back) ==
        printf_string("p95 time to first token %.0f ms is over the route's SLO of "
                      "500 ms",
                      *g.p95_ttft_ms));
  CHECK(w.weight(gpt) <= 0.02 + 1e-9);
  CHECK(candidate(d, sonnet).held_back.empty());
  CHECK(candidate(d, mini).held_back.empty());

  // A minute on, its window is empty: it stays held back rather than
  // bounce back in for want of evidence...
  w.now += 61'000;
  w.apply(streamed(sonnet, 2500, 200));
  for (const auto& later : w.decide_if_changed())
    CHECK(candidate(later, gpt).held_back.is(constraint_code::ttft_slo_unconfirmed));
  CHECK(w.weight(gpt) <= 0.02 + 1e-9);
  // ...until calls show even its whole answers within the SLO: its first
  // tokens came sooner still.
  w.now += 1000;
  for (int i = 0; i < 30; ++i)
    w.apply(outcome(gpt, true, 300));
  const auto released = w.decide_if_changed();
  CHECK(w.weight(gpt) > 0.5);
  REQUIRE(released.size() == 1);
  CHECK(candidate(released[0], gpt).held_back.empty());
}
