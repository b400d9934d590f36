// Which latency a candidate's score weighed, in a decision's record and its
// explanation.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "decision/decision_record.hpp"
#include "signal_fixtures.hpp"

using namespace llmopt;
using namespace llmopt::test;

namespace {

decision two_candidates(latency_basis first, latency_basis second) {
  decision d;
  d.id = 7;
  d.route = "chat";
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

TEST_CASE("a decision's trigger and reasons are data in its record, with their words beside") {
  decision d = two_candidates(latency_basis::total, latency_basis::total);
  auto s = anomaly(sonnet, "a-17", anomaly_type::availability_issue, severity::critical);
  d.trigger = signal_trigger(s);
  d.candidates[1].excluded = {constraint_code::anomaly, {}, describe(s)};
  d.candidates[1].previous_weight = 0.4;
  d.reasons = {
      {reason_code::excluded, sonnet, {{"previous_weight", 0.4}}, d.candidates[1].excluded},
      {reason_code::weight_moved, sonnet, {{"from", 0.4}, {"to", 0.1}}}};

  nlohmann::json j = d;
  CHECK(j["trigger"] == "anomaly a-17 availability_issue/critical on " + sonnet);
  CHECK(j["trigger_data"][0]["kind"] == "signal");
  CHECK(j["trigger_data"][0]["signal"]["id"] == "a-17");
  CHECK(j["trigger_data"][0]["signal"]["type"] == "availability_issue");
  CHECK(j["reasons"] == nlohmann::json::array({
                            "triggered by anomaly a-17 availability_issue/critical on " + sonnet,
                            sonnet +
                                " excluded (weight 0.400 -> 0): down: anomaly a-17 "
                                "availability_issue/critical on " +
                                sonnet,
                            sonnet + " weight 0.400 -> 0.100",
                        }));
  CHECK(j["reason_data"][0]["code"] == "excluded");
  CHECK(j["reason_data"][0]["constraint"]["code"] == "anomaly");
  CHECK(j["reason_data"][1]["figures"]["to"] == 0.1);

  auto back = j.get<decision>();
  CHECK(back.trigger.kind() == trigger_kind::signal);
  CHECK(back.trigger.causes.front().signal->model == sonnet);
  REQUIRE(back.reasons.size() == 2);
  CHECK(back.reasons[0].code == reason_code::excluded);
  CHECK(back.reasons[0].why.is(constraint_code::anomaly));
  CHECK(back.reasons[1].figure("from") == 0.4);
  CHECK(reason_lines(back) == reason_lines(d));
  CHECK(explain(back) == explain(d));
  CHECK(explain(d).find("  - triggered by anomaly a-17") != std::string::npos);
}

TEST_CASE("a candidate's change of quality evidence is in its record and reads back") {
  decision d = two_candidates(latency_basis::total, latency_basis::total);
  d.candidates[0].quality_changed = {quality_change_cause::feedback, 4000, 0.9, 0.55, 31};
  d.reasons = {{reason_code::quality_changed,
                d.candidates[0].model,
                {{"from", 0.9}, {"to", 0.55}, {"answers", 31}}}};
  nlohmann::json j = d;
  CHECK(j["candidates"][0]["quality_change"] ==
        nlohmann::json{
            {"cause", "feedback"}, {"at", 4000}, {"from", 0.9}, {"to", 0.55}, {"answers", 31}});
  CHECK_FALSE(j["candidates"][1].contains("quality_change"));  // none: not written
  CHECK(j["reasons"][0] ==
        "openai:gpt-4o quality 0.900 -> 0.550: its last 31 answers' feedback tells a change, "
        "and the feedback before them no longer counts");
  CHECK(j["reason_data"][0]["code"] == "quality_changed");

  auto back = j.get<decision>();
  const quality_change& c = back.candidates[0].quality_changed;
  CHECK(c.cause == quality_change_cause::feedback);
  CHECK(c.at == 4000);
  CHECK(c.from == 0.9);
  CHECK(c.to == 0.55);
  CHECK(c.answers == 31);
  CHECK(back.candidates[1].quality_changed.cause == quality_change_cause::none);
  CHECK(back.reasons[0].code == reason_code::quality_changed);
  CHECK(explain(back) == explain(d));

  // A cause this version does not know reads as none.
  j["candidates"][0]["quality_change"]["cause"] = "sentiment";
  CHECK(j.get<decision>().candidates[0].quality_changed.cause == quality_change_cause::none);
}

TEST_CASE("a decision set off by the tick alone does not name its trigger among its reasons") {
  decision d = two_candidates(latency_basis::total, latency_basis::total);
  d.reasons = {{reason_code::none_eligible}};
  CHECK(reason_lines(d) ==
        std::vector<std::string>{
            "no candidate is eligible; spreading over those not blocked by policy"});
  d.trigger.add(circuit_trigger(gpt, true));
  CHECK(reason_lines(d).front() == "triggered by tick; circuit open: " + gpt);
}

// Decision 72 of policy-block.json at seed 1000, as the store kept it
// before reasons and triggers were data, and as `llmopt decisions explain
// 72` printed it then.
const char* const record_before_reason_data = R"json({
 "at": "2026-11-21T00:03:20.000Z",
 "at_ms": 1795219400000,
 "candidates": [
  {
   "calls": 402,
   "error_rate": 0.014925373134328358,
   "excluded": "",
   "expected_cost_usd": 0.0050030825688073405,
   "expected_latency_ms": 976.7795302657735,
   "held_back": "",
   "latency_samples": 802.0,
   "model": "openai:gpt-4o",
   "p50_ms": 887.7604420044989,
   "p95_ms": 1729.9939540377263,
   "p_best": 0.751953125,
   "previous_weight": 0.6641015625,
   "quality": 0.8826872603005618,
   "quality_samples": 495.0,
   "quality_sd": 0.015175804034357613,
   "score": 0.36963941279768525,
   "score_sd": 0.008969012045268747,
   "weight": 0.745859375
  },
  {
   "calls": 93,
   "error_rate": 0.0,
   "excluded": "",
   "expected_cost_usd": 0.006884950458715596,
   "expected_latency_ms": 1238.2357330433003,
   "held_back": "",
   "latency_samples": 493.0,
   "model": "anthropic:claude-3-5-sonnet",
   "p50_ms": 1299.7700631387872,
   "p95_ms": 2302.621952824214,
   "p_best": 0.248046875,
   "previous_weight": 0.2333984375,
   "quality": 0.916442501555371,
   "quality_samples": 53.0,
   "quality_sd": 0.03707031783699274,
   "score": 0.3612466164550999,
   "score_sd": 0.022219494589234216,
   "weight": 0.254140625
  },
  {
   "calls": 605,
   "error_rate": 0.006611570247933884,
   "excluded": "blocked by policy: policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini",
   "exclusion": {
    "code": "policy_block",
    "detail": "policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini"
   },
   "expected_cost_usd": 0.00030018495412844037,
   "expected_latency_ms": 658.6287973855315,
   "held_back": "",
   "latency_samples": 1005.0,
   "model": "openai:gpt-4o-mini",
   "p50_ms": 606.352327029915,
   "p95_ms": 1181.6091483079883,
   "p_best": 0.0,
   "previous_weight": 0.10250000000000001,
   "quality": 0.6534705684297244,
   "quality_samples": 72.0,
   "quality_sd": 0.05746932780718785,
   "score_sd": 0.0,
   "weight": 0.0
  }
 ],
 "id": 72,
 "reasons": [
  "triggered by policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini",
  "openai:gpt-4o-mini excluded (weight 0.103 -> 0): blocked by policy: policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini",
  "best openai:gpt-4o: expected utility 0.3696 (quality 0.883, error rate 0.015 over 402 calls, latency 977 ms, cost $0.005003)",
  "openai:gpt-4o weight 0.664 -> 0.746",
  "anthropic:claude-3-5-sonnet weight 0.233 -> 0.254",
  "openai:gpt-4o-mini weight 0.103 -> 0.000"
 ],
 "route": "eu-chat",
 "trigger": "policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini"
})json";

const char* const explained_before_reason_data =
    R"text(decision 72  route eu-chat  at 2026-11-21T00:03:20.000Z
trigger: policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini
reasons:
  - triggered by policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini
  - openai:gpt-4o-mini excluded (weight 0.103 -> 0): blocked by policy: policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini
  - best openai:gpt-4o: expected utility 0.3696 (quality 0.883, error rate 0.015 over 402 calls, latency 977 ms, cost $0.005003)
  - openai:gpt-4o weight 0.664 -> 0.746
  - anthropic:claude-3-5-sonnet weight 0.233 -> 0.254
  - openai:gpt-4o-mini weight 0.103 -> 0.000
candidates:
  model                                 weight  before    score quality errors   latency   cost/req  excluded or held back
  openai:gpt-4o                          0.746   0.664   0.3696   0.883  0.015     977ms   0.005003  
  anthropic:claude-3-5-sonnet            0.254   0.233   0.3612   0.916  0.000    1238ms   0.006885  
  openai:gpt-4o-mini                     0.000   0.103        -   0.653  0.007     659ms   0.000300  blocked by policy: policy_block pb-1 unauthorized_model/block route eu-chat on openai:gpt-4o-mini
)text";

TEST_CASE("a record written before reasons were data reads back and explains as it did") {
  auto old = nlohmann::json::parse(record_before_reason_data);
  auto d = old.get<decision>();
  CHECK(d.trigger.kind() == trigger_kind::recorded);
  REQUIRE(d.reasons.size() == 6);
  for (const auto& r : d.reasons)
    CHECK(r.code == reason_code::recorded);
  CHECK(explain(d) == explained_before_reason_data);
  // Written again, it keeps the words it had.
  nlohmann::json again = d;
  CHECK(again["trigger"] == old["trigger"]);
  CHECK(again["reasons"] == old["reasons"]);
  CHECK(explain(again.get<decision>()) == explained_before_reason_data);
}

TEST_CASE("a record with a reason or trigger code this version does not know reads as its words") {
  decision d = two_candidates(latency_basis::total, latency_basis::total);
  d.trigger = startup_trigger();
  d.reasons = {{reason_code::weight_moved, gpt, {{"from", 0}, {"to", 0.9}}}};
  nlohmann::json j = d;
  j["reason_data"][0]["code"] = "moon_phase";
  auto back = j.get<decision>();
  CHECK(back.trigger.kind() == trigger_kind::recorded);
  CHECK(reason_lines(back) == reason_lines(d));
  CHECK(explain(back) == explain(d));

  j = d;
  j["trigger_data"][0]["kind"] = "cron";
  CHECK(explain(j.get<decision>()) == explain(d));
}

TEST_CASE("a decision read back from the decisions topic is the one published, its maker named") {
  decision d = two_candidates(latency_basis::total, latency_basis::total);
  d.trigger = takeover_trigger("vm-1-2 decides partitions [0] of 4");
  d.decided_by = "vm-1-2";
  auto back = read_decision_message(decision_message(d));
  REQUIRE(back);
  CHECK(back->id == 7);
  CHECK(back->decided_by == "vm-1-2");
  CHECK(back->trigger.kind() == trigger_kind::takeover);
  CHECK(explain(*back) == explain(d));
  CHECK(explain(d).find("decided by: vm-1-2\n") != std::string::npos);
  CHECK(explain(d).find("took over as decider: vm-1-2 decides partitions [0] of 4") !=
        std::string::npos);
  // Alone, a decision names no maker.
  d.decided_by.clear();
  CHECK(nlohmann::json(d).count("decided_by") == 0);
  CHECK(explain(d).find("decided by") == std::string::npos);
}

TEST_CASE("what is not a decision on the decisions topic is refused, naming what is wrong") {
  const std::string good =
      decision_message(two_candidates(latency_basis::total, latency_basis::total));
  auto refused = [](const std::string& text) {
    auto r = read_decision_message(text);
    REQUIRE_FALSE(r);
    return r.err();
  };
  CHECK(refused("not json").code == "invalid_json");
  CHECK(refused("[1,2]").code == "invalid_decision");
  CHECK(refused(R"({"id": 3})").code == "invalid_decision");  // no route
  CHECK(refused(std::string(40, '[') + std::string(40, ']')).code == "too_deep");
  REQUIRE(read_decision_message(good));
  auto over = read_decision_message(good, good.size() - 1);
  REQUIRE_FALSE(over);
  CHECK(over.err().code == "too_large");
  auto with = [&](const char* key, nlohmann::json value) {
    auto j = nlohmann::json::parse(good);
    j[key] = std::move(value);
    return j.dump();
  };
  CHECK(refused(with("id", 0)).field == "id");
  CHECK(refused(with("route", "")).field == "route");
  CHECK(refused(with("id", "seven")).code == "invalid_decision");
  CHECK(refused(with("id", 4e98)).code == "out_of_range");
  CHECK(refused(with("id", 9223372036854775807LL)).field == "id");  // past 2^53
  CHECK(refused(with("at_ms", -5)).field == "at_ms");
  auto heavy = nlohmann::json::parse(good);
  heavy["candidates"][1]["weight"] = 1.5;
  CHECK(refused(heavy.dump()).field == "candidates[1].weight");
}
