#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "decision/scenario.hpp"
#include "decision/scoring.hpp"
#include "decision/simulation.hpp"

using namespace llmopt;

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  return nlohmann::json::parse(text.str());
}

std::string scenario_path(const std::string& name) {
  return std::string(LLMOPT_SOURCE_DIR) + "/bench/scenarios/" + name + ".json";
}

// Two models on one route: "good" is better on every count.
nlohmann::json small_scenario() {
  return nlohmann::json::parse(R"({
    "name": "small", "seed": 3, "duration_s": 60, "requests_per_s": 10,
    "tokens": {"input_mean": 100, "output_mean": 50}, "feedback_fraction": 0.5,
    "latency_profile_every_s": 20,
    "routes": [{"name": "r", "share": 1.0, "candidates": ["p:good", "p:bad"],
                "objective": {"quality": 0.6, "cost": 0.2, "latency": 0.2},
                "cost_ref_usd": 0.01, "latency_ref_ms": 5000}],
    "models": [
      {"id": "p:good", "price_in_per_mtok": 1, "price_out_per_mtok": 2,
       "latency_ms": {"median": 500, "p95": 900}, "error_rate": 0.0, "quality": 0.9},
      {"id": "p:bad", "price_in_per_mtok": 1, "price_out_per_mtok": 2,
       "latency_ms": {"median": 500, "p95": 900}, "error_rate": 0.3, "quality": 0.5}],
    "events": [{"at_s": 30, "model": "p:good", "set": {"error_rate": 1.0}}]
  })");
}

nlohmann::json run_baselines(const scenario& s) {
  sim_world world(s);
  auto policies = baseline_policies(world);
  return run_simulation(world, policies, nullptr, {"oracle"});
}

}  // namespace

TEST_CASE("every example scenario parses", "[simulation]") {
  for (const char* name : {"steady-state", "outage-failover", "latency-drift", "price-change",
                           "quality-drift", "policy-block"}) {
    auto s = parse_scenario(read_json(scenario_path(name)));
    INFO(name << ": " << (s ? "" : s.err().detail));
    REQUIRE(s.ok());
    CHECK(s->name == name);
    CHECK(s->request_count() > 0);
  }
}

TEST_CASE("scenario errors name the field", "[simulation]") {
  auto j = small_scenario();
  j["routes"][0]["candidates"][1] = "p:missing";
  auto s = parse_scenario(j);
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().detail == "routes[0].candidates[1]: unknown model 'p:missing'");

  j = small_scenario();
  j["routes"][0]["share"] = 0.5;
  CHECK(parse_scenario(j).err().detail == "routes: shares must sum to 1");

  j = small_scenario();
  j["events"][0]["set"] = {{"speed", 2}};
  CHECK(parse_scenario(j).err().detail == "events[0].set: speed: unknown field");

  j = small_scenario();
  j["routes"][0]["latency_slo_ms"] = -1;
  CHECK(parse_scenario(j).err().detail ==
        "routes[0].latency_slo_ms: expected a number in [0.0, 1000000000.0]");
}

TEST_CASE("a route's latency SLO is optional", "[simulation]") {
  auto j = small_scenario();
  CHECK(parse_scenario(j)->routes[0].route.latency_slo_ms == 0);
  j["routes"][0]["latency_slo_ms"] = 2500;
  CHECK(parse_scenario(j)->routes[0].route.latency_slo_ms == 2500);
}

TEST_CASE("the world applies set events from their time on", "[simulation]") {
  auto s = parse_scenario(small_scenario());
  REQUIRE(s.ok());
  sim_world world(*s);
  CHECK(world.model_at("p:good", 29.9).behaviour.error_rate == 0.0);
  CHECK(world.model_at("p:good", 30).behaviour.error_rate == 1.0);
  const auto& r = s->routes[0];
  CHECK(world.expected_utility(r, "p:good", 0) > world.expected_utility(r, "p:bad", 0));
  CHECK(world.expected_utility(r, "p:good", 31) == Approx(-1.0));
}

TEST_CASE("a simulation is deterministic and normalized between uniform and oracle",
          "[simulation]") {
  auto s = parse_scenario(small_scenario());
  REQUIRE(s.ok());
  auto a = run_baselines(*s);
  auto b = run_baselines(*s);
  CHECK(a == b);
  CHECK(a["requests"] == 600);
  CHECK(a["policies"]["uniform"]["normalized"].get<double>() == Approx(0.0));
  CHECK(a["policies"]["oracle"]["normalized"].get<double>() == Approx(1.0));
  // The oracle leaves p:good when it fails every call; static_best does not.
  CHECK(a["policies"]["oracle"]["errors"].get<long long>() <
        a["policies"]["static_best"]["errors"].get<long long>());
  // Timeline: 10 s buckets, the oracle on p:good first, then on p:bad.
  const auto& oracle = a["timeline"]["routes"]["r"]["policies"]["oracle"];
  REQUIRE(oracle.size() == 6);
  CHECK(oracle[0] == nlohmann::json::array({100, 0}));
  CHECK(oracle[5] == nlohmann::json::array({0, 100}));

  s->seed = 4;
  CHECK(run_baselines(*s) != a);
}

TEST_CASE("a request to a model blocked for its route more than 1 s earlier is a violation",
          "[simulation]") {
  auto j = small_scenario();
  j["events"] = nlohmann::json::array(
      {{{"at_s", 10}, {"emit", {{"topic", "shield"}, {"value", {{"block", "p:good"}}}}}}});
  auto s = parse_scenario(j);
  REQUIRE(s.ok());
  // A reader standing in for the parser: the emitted value names the model.
  signal_reader reader = [](const std::string&, const std::string& raw) {
    auto v = nlohmann::json::parse(raw);
    policy_block b;
    b.reason = policy_reason::unauthorized_model;
    b.action = policy_action::block;
    b.route = "r";
    return std::optional<typed_signal>(typed_signal{"pb", 0, v["block"].get<std::string>(), b});
  };
  sim_world world(*s);
  auto policies = baseline_policies(world);
  auto report = run_simulation(world, policies, reader, {});
  // round_robin sends every other request to p:good: after 11 s, 49 s x 5.
  CHECK(report["policies"]["round_robin"]["violations"] == 245);
  CHECK(report["policies"]["oracle"]["violations"] == 0);
}

TEST_CASE("probability_best: a clear winner takes it all, equals share", "[simulation]") {
  auto clear = probability_best({0.5, 0.1, 0.2}, {0.01, 0.01, 0.01}, 7);
  CHECK(clear[0] == Approx(1.0));
  auto tied = probability_best({0.3, 0.3}, {0.05, 0.05}, 7, 4000);
  CHECK(tied[0] == Approx(0.5).margin(0.05));
  CHECK(tied[0] + tied[1] == Approx(1.0));
  CHECK(probability_best({0.3, 0.3}, {0.05, 0.05}, 7) ==
        probability_best({0.3, 0.3}, {0.05, 0.05}, 7));
}
