#include "decision/constraint.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "decision/decision_record.hpp"

namespace llmopt {
namespace {

TEST_CASE("constraint: every code has its name and its words") {
  for (auto code : {constraint_code::policy_block, constraint_code::anomaly,
                    constraint_code::failure_streak, constraint_code::error_rate,
                    constraint_code::circuit_open, constraint_code::retrying,
                    constraint_code::latency_slo, constraint_code::latency_slo_unconfirmed,
                    constraint_code::ttft_slo, constraint_code::ttft_slo_unconfirmed}) {
    CHECK(parse_constraint_code(to_string(code)) == code);
    CHECK_FALSE(describe(constraint{code, {}, "x"}).empty());
  }
  CHECK_FALSE(parse_constraint_code("down"));
  CHECK(describe(constraint{}).empty());
  CHECK(describe({constraint_code::error_rate, {{"error_rate", 0.5}, {"calls", 20}}}) ==
        "down: error rate 0.50 over 20 calls");
  constraint all{constraint_code::latency_slo, {{"p95_ms", 2400}, {"slo_ms", 2000}}};
  all.every_candidate = true;
  CHECK(describe(all) ==
        "p95 latency 2400 ms is over the route's SLO of 2000 ms; so is every other candidate: "
        "weighed by score");
  CHECK(all.for_latency_slo());
  CHECK_FALSE(constraint{constraint_code::retrying}.for_latency_slo());
}

TEST_CASE("constraint: a candidate's record keeps it as data and in words; older ones read") {
  candidate_assessment c;
  c.model = "openai:gpt-4o";
  c.excluded = {constraint_code::policy_block, {}, "policy_block pb-1 on openai:gpt-4o"};
  const nlohmann::json j = c;
  CHECK(j["excluded"] == "blocked by policy: policy_block pb-1 on openai:gpt-4o");
  CHECK(j["exclusion"]["code"] == "policy_block");
  CHECK(j["held_back"] == "");
  CHECK_FALSE(j.contains("hold"));
  const auto back = j.get<candidate_assessment>();
  CHECK(back.excluded.is(constraint_code::policy_block));
  CHECK(back.excluded.detail == c.excluded.detail);
  CHECK(back.held_back.empty());

  // A record written before codes: words only.
  auto old = j;
  old.erase("exclusion");
  old["held_back"] = "retrying: the last 5 calls failed";
  const auto read = old.get<candidate_assessment>();
  CHECK(read.excluded.is(constraint_code::recorded));
  CHECK(describe(read.excluded) == "blocked by policy: policy_block pb-1 on openai:gpt-4o");
  CHECK(describe(read.held_back) == "retrying: the last 5 calls failed");
  // An unknown code (a newer llmopt's) reads as its words.
  auto newer = j;
  newer["exclusion"]["code"] = "something_new";
  const auto unknown = newer.get<candidate_assessment>().excluded;
  CHECK(unknown.is(constraint_code::recorded));
  CHECK(describe(unknown) == "blocked by policy: policy_block pb-1 on openai:gpt-4o");
}

}  // namespace
}  // namespace llmopt
