#include <catch2/catch.hpp>

#include <cmath>

#include "decision/aggregator.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

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
  // Quantiles come from log bins 10% wide: within 5% of the true value.
  REQUIRE(*v.p50_ms == Approx(140).epsilon(0.06));
  REQUIRE(*v.p95_ms == Approx(185).epsilon(0.06));
  REQUIRE(*v.mean_latency_ms == Approx((90 * 144.5 + 10 * 50) / 100.0));
  REQUIRE(*v.cost_per_request == Approx(0.002));
  REQUIRE(v.lifetime.cost_usd == Approx(0.18));
  REQUIRE(v.lifetime.calls == 100);
}

TEST_CASE("the newest calls' latency is summed apart from the window's") {
  auto agg = make_aggregator();  // the newest 10 s of a 60 s window
  for (int i = 0; i < 100; ++i)
    agg.apply(outcome(gpt, true, i % 2 ? 800 : 1200), 1'000 + i * 100);
  for (int i = 0; i < 50; ++i)
    agg.apply(outcome(gpt, true, 3000), 31'000 + i * 100);
  auto v = agg.views(36'000)[gpt];
  REQUIRE(v.latency_samples == 150);
  REQUIRE(*v.mean_latency_ms == Approx((100 * 1000 + 50 * 3000) / 150.0));
  REQUIRE(v.recent_latency_samples == 50);
  REQUIRE(*v.recent_mean_latency_ms == Approx(3000));
  // One call's spread about the mean, from the histogram's bins (10% wide).
  const double mean = *v.mean_latency_ms;
  const double variance = (50 * (800 - mean) * (800 - mean) + 50 * (1200 - mean) * (1200 - mean) +
                           50 * (3000 - mean) * (3000 - mean)) /
                          150;
  REQUIRE(v.latency_sd_ms == Approx(std::sqrt(variance)).epsilon(0.1));
  // Calls that all took about as long: 5% of the mean, the finest spread
  // the bins tell, wherever in its bin the latency falls.
  for (double ms : {850.0, 900.0, 950.0}) {
    for (int i = 0; i < 50; ++i)
      agg.apply(outcome(mini, true, ms + i % 2), 1'000'000 * ms + i * 100);
    CHECK(agg.views(1'000'000 * ms + 5'000)[mini].latency_sd_ms == Approx(0.05 * (ms + 0.5)));
  }
}

TEST_CASE("a latency profile is as old as its timestamp, never newer than now") {
  auto agg = make_aggregator();
  auto replayed = profile(gpt, 900, 400);
  replayed.at = 10'000;  // made long ago, read now
  agg.apply(replayed, 500'000);
  CHECK(agg.views(500'000)[gpt].profile_at == 10'000);
  auto ahead = profile(gpt, 900, 400);
  ahead.at = 900'000;  // the upstream's clock is ahead of ours
  agg.apply(ahead, 600'000);
  CHECK(agg.views(600'000)[gpt].profile_at == 600'000);
}

TEST_CASE("cost telemetry without a latency adds none") {
  auto agg = make_aggregator();
  cost_sample c;
  c.cost_usd = 0.001;
  c.latency_ms = 0;
  agg.apply(typed_signal{"c-1", 0, gpt, c}, 1'000);
  c.latency_ms = 700;
  agg.apply(typed_signal{"c-2", 0, gpt, c}, 1'000);
  auto v = agg.views(2'000)[gpt];
  CHECK(v.cost_samples == 2);
  CHECK(v.latency_samples == 1);
  CHECK(*v.mean_latency_ms == 700);
}

TEST_CASE("outcomes leave the live window when it passes, and stay in the lifetime totals") {
  auto agg = make_aggregator();  // 60 s in 12 buckets of 5 s
  agg.apply(outcome(gpt, false, 50), 1'000);
  REQUIRE(agg.views(30'000)[gpt].errors == 1);
  REQUIRE(agg.views(59'999)[gpt].errors == 1);
  auto later = agg.views(65'000)[gpt];
  REQUIRE(later.calls == 0);
  REQUIRE(later.error_rate() == 0);
  REQUIRE(later.lifetime.errors == 1);
  REQUIRE(later.lifetime.cost_usd == 0);  // errors carry no cost
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

TEST_CASE(
    "a block without a route holds for every route, and request-level policies do not block") {
  auto agg = make_aggregator();
  agg.apply(block(gpt, "geo", "", policy_action::block, policy_reason::geo_restriction), 0);
  agg.apply(block("anthropic:claude", "pii", "", policy_action::block, policy_reason::pii_detected),
            0);
  auto views = agg.views(1);
  REQUIRE(views[gpt].block_for("anything") != nullptr);
  REQUIRE(views["anthropic:claude"].block_for("anything") == nullptr);
}

TEST_CASE("a signal without a model changes no model") {
  auto agg = make_aggregator();
  agg.apply(typed_signal{"e1", 0, "", structured_event{"cache.hit", "cache"}}, 0);
  REQUIRE(agg.views(1).size() == 1);
  REQUIRE(agg.views(1)[gpt].lifetime.signals == 0);
}

TEST_CASE("the aggregates survive a save and restore exactly") {
  auto agg = make_aggregator();
  for (int i = 0; i < 50; ++i)
    agg.apply(outcome(gpt, i % 10 != 0, 100 + i, 0.001 * i), i * 100);
  agg.apply(feedback(gpt, 1.0, "chat"), 5000);
  agg.apply(anomaly(gpt, "a-1", anomaly_type::latency_spike, severity::high), 5000);
  agg.apply(block(gpt, "residency", "eu"), 5000);
  agg.apply(anomaly("x:new", "a-2", anomaly_type::custom, severity::low), 5000);
  const std::string bytes = agg.save();

  auto copy = make_aggregator();
  REQUIRE(copy.restore(bytes).ok());
  auto a = agg.views(6000);
  auto b = copy.views(6000);
  REQUIRE(b.size() == a.size());
  const auto& x = a[gpt];
  const auto& y = b[gpt];
  REQUIRE(y.calls == x.calls);
  REQUIRE(y.errors == x.errors);
  REQUIRE(*y.p95_ms == *x.p95_ms);
  REQUIRE(*y.mean_latency_ms == *x.mean_latency_ms);
  REQUIRE(*y.cost_per_request == *x.cost_per_request);
  REQUIRE(y.lifetime.cost_usd == x.lifetime.cost_usd);
  REQUIRE(y.route_quality.at("chat").alpha == x.route_quality.at("chat").alpha);
  REQUIRE(y.anomalies.size() == 1);
  REQUIRE(y.anomalies[0].description == x.anomalies[0].description);
  REQUIRE(y.anomalies[0].type == x.anomalies[0].type);
  REQUIRE(y.block_for("eu")->policy_id == "residency");
  REQUIRE(b["x:new"].anomalies.size() == 1);

  REQUIRE_FALSE(copy.restore("not msgpack").ok());
}
