#include <catch2/catch.hpp>

#include "decision/aggregator.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {
const model_key gpt = "openai:gpt-4o";

aggregator make_aggregator() {
  aggregator_options o;
  o.window_ms = 60'000;
  o.anomaly_ttl_ms = 600'000;
  o.quality_prior_strength = 2;
  return aggregator(o, {model_spec{gpt, {2.5, 10}, 0.8}});
}
}  // namespace

TEST_CASE("declared models are visible before any signal, with their quality prior") {
  auto agg = make_aggregator();
  auto views = agg.views(0);
  REQUIRE(views.count(gpt) == 1);
  REQUIRE(views[gpt].quality.mean() == Approx(0.8));
  REQUIRE(views[gpt].calls == 0);
}

TEST_CASE("call outcomes give error rate, latency percentiles and cost per request") {
  auto agg = make_aggregator();
  for (int i = 0; i < 90; ++i)
    agg.apply(outcome(gpt, true, 100 + i, 0.002), i * 10);
  for (int i = 0; i < 10; ++i)
    agg.apply(outcome(gpt, false, 50), 900 + i);
  auto v = agg.views(1000)[gpt];
  REQUIRE(v.calls == 100);
  REQUIRE(v.errors == 10);
  REQUIRE(v.error_rate() == Approx(0.1));
  REQUIRE(*v.p50_ms == Approx(140).margin(6));
  REQUIRE(*v.p95_ms == Approx(185).margin(3));
  REQUIRE(*v.cost_per_request == Approx(0.002));
  REQUIRE(v.total_cost_usd == Approx(0.18));
}

TEST_CASE("outcomes leave the live window when it passes") {
  auto agg = make_aggregator();
  agg.apply(outcome(gpt, false, 50), 0);
  REQUIRE(agg.views(30'000)[gpt].errors == 1);
  auto later = agg.views(61'000)[gpt];
  REQUIRE(later.calls == 0);
  REQUIRE(later.error_rate() == 0);
  REQUIRE(later.total_cost_usd == 0);  // errors carry no cost
}

TEST_CASE("quality feedback updates the model's and the route's posterior") {
  auto agg = make_aggregator();
  for (int i = 0; i < 8; ++i)
    agg.apply(feedback(gpt, 0.0, "chat"), i);
  auto v = agg.views(10)[gpt];
  REQUIRE(v.quality.samples == 8);
  REQUIRE(v.quality.mean() == Approx(1.6 / 10));  // prior 0.8 x 2 plus 8 bad answers
  REQUIRE(v.route_quality.at("chat").mean() == Approx(1.6 / 10));
  REQUIRE(v.route_quality.count("other") == 0);
}

TEST_CASE("an anomaly holds until resolved by id or until its time to live") {
  auto agg = make_aggregator();
  agg.apply(anomaly(gpt, "a-1", anomaly_type::availability_issue, severity::critical), 0);
  agg.apply(anomaly(gpt, "a-2", anomaly_type::latency_spike, severity::medium), 0);
  REQUIRE(agg.views(1)[gpt].anomalies.size() == 2);

  agg.apply(anomaly(gpt, "a-1", anomaly_type::availability_issue, severity::critical, false), 2);
  auto v = agg.views(3)[gpt];
  REQUIRE(v.anomalies.size() == 1);
  REQUIRE(v.anomalies[0].id == "a-2");

  REQUIRE(agg.views(600'001)[gpt].anomalies.empty());
}

TEST_CASE("a model policy block holds for its route until the same policy allows it") {
  auto agg = make_aggregator();
  agg.apply(block(gpt, "residency", "eu-chat"), 0);
  auto v = agg.views(1)[gpt];
  REQUIRE(v.block_for("eu-chat") != nullptr);
  REQUIRE(v.block_for("eu-chat")->policy_id == "residency");
  REQUIRE(v.block_for("us-chat") == nullptr);

  // Another policy's warning does not lift it; the same policy's does.
  agg.apply(block(gpt, "other", "eu-chat", policy_action::warn), 2);
  REQUIRE(agg.views(3)[gpt].block_for("eu-chat") != nullptr);
  agg.apply(block(gpt, "residency", "eu-chat", policy_action::warn), 4);
  REQUIRE(agg.views(5)[gpt].block_for("eu-chat") == nullptr);
}

TEST_CASE("a block without a route holds for every route; request-level policies do not block") {
  auto agg = make_aggregator();
  agg.apply(block(gpt, "geo", "", policy_action::block, policy_reason::geo_restriction), 0);
  agg.apply(block("anthropic:claude", "pii", "", policy_action::block, policy_reason::pii_detected),
            0);
  auto views = agg.views(1);
  REQUIRE(views[gpt].block_for("anything") != nullptr);
  REQUIRE(views["anthropic:claude"].block_for("anything") == nullptr);
}

TEST_CASE("signals are counted per kind; a signal without a model changes no model") {
  auto agg = make_aggregator();
  agg.apply(outcome(gpt, true, 10), 0);
  agg.apply(typed_signal{"e1", 0, "", structured_event{"cache.hit", "cache"}}, 0);
  REQUIRE(agg.applied()[static_cast<int>(signal_kind::call_outcome)] == 1);
  REQUIRE(agg.applied()[static_cast<int>(signal_kind::structured_event)] == 1);
  REQUIRE(agg.views(1).size() == 1);
}
