// Which latency a candidate's score weighed, in a decision's record and its
// explanation.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/decision_record.hpp"

using namespace llmopt;

namespace {

decision two_candidates(latency_basis first, latency_basis second) {
  decision d;
  d.id = 7;
  d.route = "chat";
  d.trigger = "tick";
  candidate_assessment a;
  a.model = "openai:gpt-4o";
  a.weight = 0.9;
  a.score = 0.4;
  a.expected_latency_ms = 150;
  a.latency_weighed = first;
  candidate_assessment b;
  b.model = "anthropic:claude-3-5-sonnet";
  b.weight = 0.1;
  b.score = 0.3;
  b.expected_latency_ms = 1500;
  b.latency_weighed = second;
  d.candidates = {a, b};
  return d;
}

}  // namespace

TEST_CASE("a decision on a route weighing TTFT records and explains which latency it weighed") {
  decision d = two_candidates(latency_basis::ttft, latency_basis::ttft_from_total);
  d.candidates[0].p50_ttft_ms = 140;
  d.candidates[0].p95_ttft_ms = 210;
  nlohmann::json j = d;
  CHECK(j["candidates"][0]["latency_weighed"] == "ttft");
  CHECK(j["candidates"][0]["p95_ttft_ms"] == 210.0);
  CHECK(j["candidates"][1]["latency_weighed"] == "ttft_from_total");
  auto back = j.get<decision>();
  CHECK(back.candidates[0].latency_weighed == latency_basis::ttft);
  CHECK(*back.candidates[0].p50_ttft_ms == 140);
  CHECK(back.candidates[1].latency_weighed == latency_basis::ttft_from_total);

  const std::string text = explain(d);
  CHECK(text.find("latency of") != std::string::npos);
  // Each candidate's row names its basis; a legend says what each means.
  CHECK(text.find("150ms ttft ") != std::string::npos);
  CHECK(text.find("1500ms ttft_from_total ") != std::string::npos);
  CHECK(text.find("  ttft: time to first token\n") != std::string::npos);
  CHECK(text.find("  ttft_from_total: no first-token time of its own") != std::string::npos);
}

TEST_CASE("a decision on a route weighing total latency reads as it always has") {
  const decision d = two_candidates(latency_basis::total, latency_basis::total);
  nlohmann::json j = d;
  CHECK_FALSE(j["candidates"][0].contains("latency_weighed"));
  CHECK_FALSE(j["candidates"][0].contains("p50_ttft_ms"));
  CHECK(j.get<decision>().candidates[0].latency_weighed == latency_basis::total);
  const std::string text = explain(d);
  CHECK(text.find("latency of") == std::string::npos);
  CHECK(text.find("    150ms   0.000000  \n") != std::string::npos);

  // A record from before routes could weigh TTFT, or naming a basis this
  // build does not know, reads as total.
  j["candidates"][1]["latency_weighed"] = "tokens_per_s";
  CHECK(j.get<decision>().candidates[1].latency_weighed == latency_basis::total);
  CHECK(to_string(latency_basis::total_for_ttft) == "total_for_ttft");
  CHECK(parse_latency_basis("total_for_ttft") == latency_basis::total_for_ttft);
}
