#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/constraint.hpp"
#include "decision/decision_reason.hpp"
#include "decision/decision_trigger.hpp"
#include "decision/latency_basis.hpp"
#include "decision/model_key.hpp"
#include "decision/quality_change.hpp"
#include "decision/result.hpp"

namespace llmopt {

// How the engine saw one candidate of a route when it decided: the inputs,
// the score, and the weight that came out. `excluded` says why a candidate
// got no traffic (empty when it was eligible); describe() puts it in words.
struct candidate_assessment {
  model_key model;
  double weight = 0;
  double previous_weight = 0;
  std::optional<double> score;  // expected utility per request; none when excluded
  double score_sd = 0;          // its uncertainty (standard deviation), from quality
  double p_best = 0;            // posterior probability that it is the best candidate
  constraint excluded;
  // Why a scored candidate gets only a probe share rather than what its
  // score would earn (a model retried after a failure streak, one over the
  // route's latency SLO).
  constraint held_back;

  // Inputs to the score.
  double quality = 0;              // posterior mean of P(good answer)
  double quality_sd = 0;           // posterior standard deviation
  double quality_samples = 0;      // feedback samples behind it
  quality_change quality_changed;  // the newest change of its evidence other than new feedback
  double error_rate = 0;  // over `calls`: the live window's, or its newest when they show a change
  long long calls = 0;
  double expected_latency_ms = 0;  // the latency weighed: see latency_weighed
  double latency_samples = 0;      // calls behind it: own and a fresh upstream profile's
  latency_basis latency_weighed = latency_basis::total;
  double expected_cost_usd = 0;  // per request
  std::optional<double> p50_ms;  // total latency over the live window
  std::optional<double> p95_ms;
  // Time to first token over the live window; set on routes weighing TTFT.
  std::optional<double> p50_ttft_ms;
  std::optional<double> p95_ttft_ms;
};

// A change of one route's weights, with everything needed to explain it.
struct decision {
  long long id = 0;
  time_ms at = 0;
  std::string route;
  decision_trigger trigger;
  std::vector<decision_reason> reasons;  // most important first
  std::vector<candidate_assessment> candidates;
  // The instance that made it, when instances share decisions
  // (kafka.share_decisions); empty otherwise.
  std::string decided_by;
};

// The reasons in words, one sentence each: "triggered by ..." first unless
// the tick alone set the decision off, then each reason's describe(). A
// record older than reason data (trigger and reasons `recorded`) has its
// trigger's sentence among its reasons already.
std::vector<std::string> reason_lines(const decision& d);

void to_json(nlohmann::json& j, const candidate_assessment& c);
void from_json(const nlohmann::json& j, candidate_assessment& c);
// A decision's JSON keeps the words (`trigger`, `reasons`: reason_lines)
// beside the data (`trigger_data`, `reason_data`). A record this version
// cannot read as data (older, or a newer one's codes) reads as its words:
// trigger and reasons `recorded`.
void to_json(nlohmann::json& j, const decision& d);
void from_json(const nlohmann::json& j, decision& d);

// to_json() of `d` as text, as kafka.topics.decisions carries it (key: the
// route); text that is not UTF-8 is replaced, not thrown.
std::string decision_message(const decision& d);

// A decision read back from kafka.topics.decisions, as another instance
// published it: outside input, so bounded (at most `max_bytes` of text,
// nesting at most 32 deep) and checked (an id above 0, a route, each
// candidate's weight in [0, 1]). An error names what is wrong.
result<decision> read_decision_message(std::string_view text, std::size_t max_bytes = 1 << 20);

// A multi-line explanation for operators (`llmopt decisions explain ID`).
std::string explain(const decision& d);

// `at` in UTC as ISO 8601 with milliseconds: "2026-12-05T07:31:10.123Z".
std::string format_time(time_ms at);

}  // namespace llmopt
