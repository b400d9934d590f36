// A decision's reasons: codes and figures in, the sentences operators read
// out.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/decision_reason.hpp"

using namespace llmopt;

TEST_CASE("each reason reads as the sentence decisions have always given") {
  const constraint streak{constraint_code::failure_streak, {{"calls", 5}}};
  CHECK(
      describe(decision_reason{reason_code::excluded, "x:a", {{"previous_weight", 0.5}}, streak}) ==
      "x:a excluded (weight 0.500 -> 0): down: the last 5 calls failed");
  CHECK(describe(decision_reason{reason_code::excluded, "x:a", {}, streak}) ==
        "x:a excluded: down: the last 5 calls failed");
  CHECK(describe(decision_reason{
            reason_code::held_back, "x:a", {}, {constraint_code::retrying, {{"calls", 12}}}}) ==
        "x:a held back: retrying: the last 12 calls failed");
  const std::map<std::string, double> best{{"utility", 0.22892},  {"quality", 0.5},
                                           {"error_rate", 0.0},   {"calls", 402},
                                           {"latency_ms", 976.8}, {"cost_usd", 0.0003}};
  CHECK(describe(decision_reason{reason_code::best, "x:a", best}) ==
        "best x:a: expected utility 0.2289 (quality 0.500, error rate 0.000 over 402 calls, "
        "latency 977 ms, cost $0.000300)");
  CHECK(describe(decision_reason{reason_code::best, "x:a", best, {}, latency_basis::ttft}) ==
        "best x:a: expected utility 0.2289 (quality 0.500, error rate 0.000 over 402 calls, "
        "time to first token 977 ms, cost $0.000300)");
  CHECK(describe(decision_reason{reason_code::none_eligible}) ==
        "no candidate is eligible; spreading over those not blocked by policy");
  CHECK(
      describe(decision_reason{reason_code::weight_moved, "x:a", {{"from", 0.1}, {"to", 0.75}}}) ==
      "x:a weight 0.100 -> 0.750");
  CHECK(describe(decision_reason::recorded_as("an older record's words")) ==
        "an older record's words");
}

TEST_CASE("a reason keeps its code, model, figures and constraint through JSON") {
  const decision_reason r{reason_code::excluded,
                          "x:a",
                          {{"previous_weight", 0.25}},
                          {constraint_code::error_rate, {{"error_rate", 0.5}, {"calls", 12}}}};
  nlohmann::json j = r;
  CHECK(j == nlohmann::json::parse(R"({"code": "excluded", "model": "x:a",
      "figures": {"previous_weight": 0.25}, "constraint": {"code": "error_rate",
      "figures": {"calls": 12.0, "error_rate": 0.5}}})"));
  auto back = reason_from_json(j);
  REQUIRE(back);
  CHECK(back->code == reason_code::excluded);
  CHECK(back->model == "x:a");
  CHECK(back->figures == r.figures);
  CHECK(back->why.is(constraint_code::error_rate));
  CHECK(describe(*back) == describe(r));

  nlohmann::json ttft = decision_reason{reason_code::best, "x:a", {}, {}, latency_basis::ttft};
  CHECK(ttft["latency_weighed"] == "ttft");
  CHECK(reason_from_json(ttft)->latency == latency_basis::ttft);
}

TEST_CASE("a reason of a code this version does not know cannot be read as data") {
  CHECK_FALSE(reason_from_json(nlohmann::json::parse(R"({"code": "moon_phase"})")));
  CHECK_FALSE(reason_from_json(nlohmann::json::parse(R"({"code": "best",
      "latency_weighed": "tokens_per_s"})")));
  CHECK_FALSE(reason_from_json("x:a weight 0.100 -> 0.750"));
}
