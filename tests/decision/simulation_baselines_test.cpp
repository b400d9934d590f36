#include <catch2/catch.hpp>

#include "decision/scenario.hpp"
#include "decision/simulation.hpp"

using namespace llmopt;

namespace {

// One route, two models of the same price and latency: "p:good" answers
// well and never fails, "p:other" answers worse. `events` change the world.
scenario two_models(double duration_s, const nlohmann::json& events) {
  auto j = nlohmann::json::parse(R"({
    "name": "two", "seed": 5, "requests_per_s": 10,
    "tokens": {"input_mean": 100, "output_mean": 50}, "feedback_fraction": 0.5,
    "latency_profile_every_s": 0,
    "routes": [{"name": "r", "share": 1.0, "candidates": ["p:good", "p:other"],
                "objective": {"quality": 0.8, "cost": 0.1, "latency": 0.1},
                "cost_ref_usd": 0.01, "latency_ref_ms": 5000}],
    "models": [
      {"id": "p:good", "price_in_per_mtok": 1, "price_out_per_mtok": 2,
       "latency_ms": {"median": 500, "p95": 900}, "error_rate": 0.0, "quality": 0.9},
      {"id": "p:other", "price_in_per_mtok": 1, "price_out_per_mtok": 2,
       "latency_ms": {"median": 500, "p95": 900}, "error_rate": 0.0, "quality": 0.6}]
  })");
  j["duration_s"] = duration_s;
  j["events"] = events;
  auto s = parse_scenario(j);
  INFO((s ? "" : s.err().detail));
  REQUIRE(s.ok());
  return *s;
}

nlohmann::json run(const scenario& s) {
  sim_world world(s);
  auto policies = baseline_policies(world);
  return run_simulation(world, policies, nullptr, {"thompson"});
}

// Thompson's share of requests sent to the route's candidate `k` over the
// 10 s buckets [from, to).
double share(const nlohmann::json& report, std::size_t k, std::size_t from, std::size_t to) {
  const auto& buckets = report["timeline"]["routes"]["r"]["policies"]["thompson"];
  double mine = 0, all = 0;
  for (std::size_t b = from; b < to; ++b) {
    for (std::size_t c = 0; c < buckets[b].size(); ++c)
      all += buckets[b][c].get<double>();
    mine += buckets[b][k].get<double>();
  }
  return all > 0 ? mine / all : 0;
}

constexpr std::size_t good = 0, other = 1;

}  // namespace

TEST_CASE("thompson is one of the baselines, deterministic for a seed", "[simulation]") {
  auto s = two_models(60, nlohmann::json::array());
  const auto a = run(s);
  REQUIRE(a["policies"].contains("thompson"));
  CHECK(a == run(s));
  s.seed = 6;
  CHECK(run(s)["timeline"]["routes"]["r"]["policies"]["thompson"] !=
        a["timeline"]["routes"]["r"]["policies"]["thompson"]);
}

TEST_CASE("thompson sends most traffic to the clearly better model", "[simulation]") {
  const auto report = run(two_models(120, nlohmann::json::array()));
  CHECK(share(report, good, 6, 12) > 0.85);
  // Better than sending traffic at random.
  CHECK(report["policies"]["thompson"]["normalized"].get<double>() > 0.5);
}

TEST_CASE("thompson leaves a model whose answers get worse", "[simulation]") {
  // From 60 s on, p:good's answers are judged good a fifth of the time.
  const auto report = run(two_models(
      180, nlohmann::json::parse(R"([{"at_s": 60, "model": "p:good", "set": {"quality": 0.2}}])")));
  CHECK(share(report, good, 1, 6) > 0.85);
  // Its quality evidence does not fade, so leaving takes as long as the
  // evidence before the drop is heavy: here, within 90 s of the drop (900
  // requests, some 450 with feedback) it has moved to the other model.
  CHECK(share(report, other, 15, 18) > 0.85);
}

TEST_CASE("thompson's error evidence fades: a model that failed is tried again", "[simulation]") {
  // p:good fails every call from 30 s to 40 s, then is fine again.
  const auto report = run(two_models(120, nlohmann::json::parse(R"([
      {"at_s": 30, "model": "p:good", "set": {"error_rate": 1.0}},
      {"at_s": 40, "model": "p:good", "set": {"error_rate": 0.0}}])")));
  CHECK(share(report, good, 1, 3) > 0.85);
  // Once the failures weigh, the traffic goes elsewhere.
  CHECK(share(report, other, 4, 6) > 0.85);
  // 20 to 60 s after its last failure it is tried again, and wins back.
  CHECK(share(report, good, 6, 10) > 0);
  CHECK(share(report, good, 11, 12) > 0.85);
}
