#include <catch2/catch.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "decision/world_model.hpp"

using namespace llmopt;

namespace {
simulated_model model(const char* id, double median, double p95, double error_rate,
                      double quality) {
  return simulated_model{id, {1, 2}, {median, p95, error_rate, quality}};
}
}  // namespace

TEST_CASE("lognormal fitted to median and p95 reproduces both") {
  auto d = lognormal::from_median_p95(900, 1800);
  REQUIRE(d.at(0) == Approx(900));
  REQUIRE(d.at(1.6448536269514722) == Approx(1800));
}

TEST_CASE("draws follow the model's latency, error rate and quality") {
  auto m = model("openai:gpt-4o", 900, 1800, 0.1, 0.8);
  std::vector<double> latencies;
  int failed = 0, good = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    auto d = draw_request(m, 7, static_cast<std::uint64_t>(i));
    latencies.push_back(d.latency_ms);
    failed += d.failed;
    good += d.good;
  }
  std::sort(latencies.begin(), latencies.end());
  REQUIRE(latencies[n / 2] == Approx(900).epsilon(0.05));
  REQUIRE(latencies[n * 95 / 100] == Approx(1800).epsilon(0.06));
  REQUIRE(failed / double(n) == Approx(0.1).margin(0.01));
  // quality is the probability that a successful answer is good
  REQUIRE(good / double(n - failed) == Approx(0.8).margin(0.015));
}

TEST_CASE("draws are common random numbers: same seed, request and model, same outcome") {
  auto a = model("openai:gpt-4o", 900, 1800, 0.3, 0.8);
  auto b = model("anthropic:claude-3-5-sonnet", 900, 1800, 0.3, 0.8);
  int same_as_other_model = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    auto x = draw_request(a, 42, i);
    auto y = draw_request(a, 42, i);
    REQUIRE(x.latency_ms == y.latency_ms);
    REQUIRE(x.failed == y.failed);
    REQUIRE(x.good == y.good);
    same_as_other_model += draw_request(b, 42, i).latency_ms == x.latency_ms;
  }
  REQUIRE(same_as_other_model == 0);
  REQUIRE(draw_request(a, 42, 0).latency_ms != draw_request(a, 43, 0).latency_ms);
}

TEST_CASE("parse_simulated_models reads the scenario's models array") {
  auto j = nlohmann::json::parse(R"([
    {"id":"openai:gpt-4o-mini","price_in_per_mtok":0.15,"price_out_per_mtok":0.6,
     "latency_ms":{"median":600,"p95":1200},"error_rate":0.01,"quality":0.7}])");
  auto models = parse_simulated_models(j);
  REQUIRE(models.ok());
  REQUIRE(models->size() == 1);
  const auto& m = models->front();
  REQUIRE(m.id == "openai:gpt-4o-mini");
  REQUIRE(m.price.in_per_mtok == Approx(0.15));
  REQUIRE(m.behaviour.latency_p95_ms == Approx(1200));
  REQUIRE(m.price.cost_usd(1'000'000, 1'000'000) == Approx(0.75));
}

TEST_CASE("parse_simulated_models names the offending entry and field") {
  auto missing = parse_simulated_models(nlohmann::json::parse(
      R"([{"id":"a:b","price_in_per_mtok":1,"price_out_per_mtok":1,
           "latency_ms":{"median":600},"error_rate":0.01,"quality":0.7}])"));
  REQUIRE_FALSE(missing.ok());
  REQUIRE(missing.err().detail == "models[0].latency_ms.p95: expected a number");

  auto bad_rate = parse_simulated_models(nlohmann::json::parse(
      R"([{"id":"a:b","price_in_per_mtok":1,"price_out_per_mtok":1,
           "latency_ms":{"median":600,"p95":900},"error_rate":1.5,"quality":0.7}])"));
  REQUIRE_FALSE(bad_rate.ok());
  REQUIRE(bad_rate.err().detail.find("models[0].error_rate") == 0);

  auto inverted = parse_simulated_models(nlohmann::json::parse(
      R"([{"id":"a:b","price_in_per_mtok":1,"price_out_per_mtok":1,
           "latency_ms":{"median":600,"p95":100},"error_rate":0.1,"quality":0.7}])"));
  REQUIRE_FALSE(inverted.ok());
  REQUIRE(inverted.err().detail.find("latency_ms.p95") != std::string::npos);
}
