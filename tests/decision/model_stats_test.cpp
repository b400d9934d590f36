// A model's stream timings (time to first token, gap between tokens,
// output tokens/s): from call outcomes to the view, its JSON, and
// checkpoints.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "decision/aggregator.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

aggregator make_aggregator() {
  return aggregator(aggregator_options{}, {model_spec{gpt, {2.5, 10}, 0.8}});
}

}  // namespace

TEST_CASE("streamed calls' first-token times reach the view with their percentiles") {
  auto agg = make_aggregator();
  // 100 streamed calls, first tokens after 101..200 ms; 50 that were not
  // streamed count for latency only.
  for (int i = 1; i <= 100; ++i)
    agg.apply(streamed(gpt, 2000, 100 + i, 10 + i % 2 * 20, 40 + i % 2 * 20), i * 100);
  for (int i = 0; i < 50; ++i)
    agg.apply(outcome(gpt, true, 1000), 20'000 + i * 100);
  auto v = agg.views(30'000)[gpt];
  CHECK(v.latency_samples == 150);
  CHECK(v.ttft_samples == 100);
  CHECK(*v.mean_ttft_ms == Approx(150.5));
  // Quantiles come from log bins 10% wide: within 5% of the true value.
  CHECK(*v.p50_ttft_ms == Approx(150).epsilon(0.06));
  CHECK(*v.p95_ttft_ms == Approx(195).epsilon(0.06));
  CHECK(v.ttft_sd_ms == Approx(29).epsilon(0.15));
  CHECK(*v.mean_inter_token_ms == Approx(20));
  CHECK(*v.mean_output_tokens_per_s == Approx(50));
  // The total latency is not the first token's.
  CHECK(*v.mean_latency_ms == Approx((100 * 2000 + 50 * 1000) / 150.0));

  // The newest calls' first tokens are summed apart, as latency's are.
  for (int i = 0; i < 20; ++i)
    agg.apply(streamed(gpt, 2000, 900), 55'000 + i * 100);
  v = agg.views(58'000)[gpt];
  CHECK(v.recent_ttft_samples == 20);
  CHECK(*v.recent_mean_ttft_ms == Approx(900));

  // They leave the live window as latency does.
  v = agg.views(200'000)[gpt];
  CHECK(v.ttft_samples == 0);
  CHECK_FALSE(v.mean_ttft_ms);
  CHECK_FALSE(v.p95_ttft_ms);
  CHECK_FALSE(v.mean_inter_token_ms);
  CHECK_FALSE(v.mean_output_tokens_per_s);
}

TEST_CASE("a model never streamed has no first-token time, only its latency") {
  auto agg = make_aggregator();
  for (int i = 0; i < 10; ++i)
    agg.apply(outcome(gpt, true, 800), i);
  auto v = agg.views(100)[gpt];
  CHECK(v.latency_samples == 10);
  CHECK(v.ttft_samples == 0);
  CHECK_FALSE(v.mean_ttft_ms);
  CHECK_FALSE(v.p50_ttft_ms);
}

TEST_CASE("stream timings out of bounds are skipped, the rest of the call counts") {
  auto agg = make_aggregator();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  agg.apply(streamed(gpt, 1000, nan, -1, inf), 0);
  agg.apply(streamed(gpt, 1000, 2 * max_call_duration_ms, inf, 2 * max_output_tokens_per_s), 1);
  agg.apply(streamed(gpt, 1000, -5, nan, -3), 2);
  agg.apply(streamed(gpt, 1000, 300, 25, 80), 3);
  auto v = agg.views(10)[gpt];
  CHECK(v.calls == 4);
  CHECK(v.latency_samples == 4);
  CHECK(v.ttft_samples == 1);
  CHECK(*v.mean_ttft_ms == 300);
  CHECK(*v.mean_inter_token_ms == 25);
  CHECK(*v.mean_output_tokens_per_s == 80);
}

TEST_CASE("the view's JSON shows the first-token time beside the latency") {
  auto agg = make_aggregator();
  agg.apply(outcome(gpt, true, 1000), 0);
  nlohmann::json plain = agg.views(10)[gpt];
  CHECK(plain["window"]["latency_samples"] == 1);
  CHECK(plain["window"]["mean_latency_ms"] == 1000.0);
  CHECK(plain["window"]["ttft_samples"] == 0);
  for (const char* key : {"mean_ttft_ms", "p50_ttft_ms", "p95_ttft_ms", "mean_inter_token_ms",
                          "mean_output_tokens_per_s"}) {
    INFO(key);
    CHECK(plain["window"].at(key).is_null());
  }

  agg.apply(streamed(gpt, 1000, 250, 30, 45), 5);
  nlohmann::json j = agg.views(10)[gpt];
  CHECK(j["window"]["ttft_samples"] == 1);
  CHECK(j["window"]["mean_ttft_ms"] == 250.0);
  CHECK(j["window"]["p50_ttft_ms"].get<double>() == Approx(250).epsilon(0.06));
  CHECK(j["window"]["p95_ttft_ms"].get<double>() == Approx(250).epsilon(0.06));
  CHECK(j["window"]["mean_inter_token_ms"] == 30.0);
  CHECK(j["window"]["mean_output_tokens_per_s"] == 45.0);
  CHECK(j["window"]["calls"] == 2);
  CHECK(j["lifetime"]["calls"] == 2);
  CHECK(j["quality"]["mean"].get<double>() == Approx(0.8));
}

TEST_CASE("stream timings survive a checkpoint round trip") {
  auto agg = make_aggregator();
  for (int i = 0; i < 40; ++i)
    agg.apply(streamed(gpt, 1500 + i, 100 + 10 * i, 15 + i % 3, 60 + i % 5), i * 1000);
  for (int i = 0; i < 10; ++i)
    agg.apply(outcome(gpt, true, 700), 40'000 + i * 100);
  const std::string bytes = agg.save();

  auto copy = make_aggregator();
  REQUIRE(copy.restore(bytes).ok());
  const auto x = agg.views(45'000)[gpt];
  const auto y = copy.views(45'000)[gpt];
  REQUIRE(x.ttft_samples > 0);
  CHECK(y.ttft_samples == x.ttft_samples);
  CHECK(*y.mean_ttft_ms == *x.mean_ttft_ms);
  CHECK(*y.p50_ttft_ms == *x.p50_ttft_ms);
  CHECK(*y.p95_ttft_ms == *x.p95_ttft_ms);
  CHECK(y.ttft_sd_ms == x.ttft_sd_ms);
  CHECK(y.recent_ttft_samples == x.recent_ttft_samples);
  CHECK(*y.mean_inter_token_ms == *x.mean_inter_token_ms);
  CHECK(*y.mean_output_tokens_per_s == *x.mean_output_tokens_per_s);
  CHECK(y.latency_samples == x.latency_samples);
  CHECK(*y.p95_ms == *x.p95_ms);
}

TEST_CASE("a checkpoint without stream timings restores as before, with none") {
  auto agg = make_aggregator();
  for (int i = 0; i < 20; ++i)
    agg.apply(outcome(gpt, true, 400 + i), i * 100);
  auto copy = make_aggregator();
  REQUIRE(copy.restore(agg.save()).ok());
  const auto y = copy.views(3000)[gpt];
  CHECK(y.latency_samples == 20);
  CHECK(*y.mean_latency_ms == *agg.views(3000)[gpt].mean_latency_ms);
  CHECK(y.ttft_samples == 0);
  CHECK_FALSE(y.mean_ttft_ms);
  CHECK_FALSE(y.mean_inter_token_ms);
}

TEST_CASE("a checkpoint written before stream timings existed still loads") {
  // One model as the aggregator saved it before: window buckets of 10
  // fields (start, calls, errors, latency count, sum and bins, cost count
  // and sum, input and output tokens).
  const nlohmann::json model = {
      {"model", gpt},
      {"quality", {8.0, 2.0, 6.0, 0}},
      {"anomalies", nlohmann::json::array()},
      {"drifts", nlohmann::json::array()},
      {"lifetime", {3, 3, 0, 3, 0.003, 2400.0, 900.0}},
      {"route_quality", nlohmann::json::object()},
      {"blocked", nlohmann::json::object()},
      {"failure_streak", {0, 0}},
      {"window", nlohmann::json::array({nlohmann::json::array(
                     {0, 3, 0, 3, 1500.0, nlohmann::json::array({nlohmann::json::array({54, 3})}),
                      3, 0.003, 2400.0, 900.0})})}};
  const auto bytes = nlohmann::json::to_msgpack(
      nlohmann::json{{"version", 1}, {"models", nlohmann::json::array({model})}});
  auto agg = make_aggregator();
  REQUIRE(agg.restore(std::string(bytes.begin(), bytes.end())).ok());
  const auto v = agg.views(1000)[gpt];
  CHECK(v.calls == 3);
  CHECK(*v.mean_latency_ms == 500);
  CHECK(v.ttft_samples == 0);
  CHECK_FALSE(v.mean_ttft_ms);
}

TEST_CASE("a checkpoint's anomaly and drift types read back as the signal vocabularies") {
  // Types are stored by their wire names; one this version does not know
  // (a newer one's) keeps its level as a custom anomaly, and a drift of
  // an unknown type, which could act only by its type, is left out.
  auto flag = [](const char* type, int level) {
    return nlohmann::json::array({"f-" + std::string(type), type, level, 0.3, 0, 10'000'000, "x"});
  };
  const nlohmann::json model = {
      {"model", gpt},
      {"quality", {8.0, 2.0, 6.0, 0}},
      {"anomalies", {flag("availability_issue", 2), flag("spike", 1), flag("solar_flare", 3)}},
      {"drifts", {flag("concept_drift", 1), flag("tide_drift", 1)}},
      {"lifetime", {0, 0, 0, 0, 0.0, 0.0, 0.0}},
      {"route_quality", nlohmann::json::object()},
      {"blocked", nlohmann::json::object()},
      {"window", nlohmann::json::array()}};
  const auto bytes = nlohmann::json::to_msgpack(
      nlohmann::json{{"version", 1}, {"models", nlohmann::json::array({model})}});
  auto agg = make_aggregator();
  REQUIRE(agg.restore(std::string(bytes.begin(), bytes.end())).ok());
  const auto v = agg.views(1000)[gpt];
  REQUIRE(v.anomalies.size() == 3);
  CHECK(v.anomalies[0].type == flag_type{anomaly_type::availability_issue});
  CHECK(v.anomalies[1].type == flag_type{latency_anomaly_type::spike});
  CHECK(v.anomalies[2].type == flag_type{anomaly_type::custom});
  CHECK(v.anomalies[2].level == severity::critical);
  REQUIRE(v.drifts.size() == 1);
  CHECK(v.drifts[0].type == flag_type{drift_type::concept_drift});
  CHECK(to_string(v.drifts[0].type) == "concept_drift");
}
