#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json_fwd.hpp>

#include "decision/constraint.hpp"
#include "decision/latency_basis.hpp"
#include "decision/model_key.hpp"

namespace llmopt {

// One reason of a decision, as data: a code, the candidate it is about and
// its figures. Words are made at the edge (describe(): records, the CLI,
// logs).
enum class reason_code {
  excluded,         // model, why; figure previous_weight when it had traffic before
  held_back,        // model, why
  best,             // model, latency; figures utility, quality, error_rate, calls,
                    // latency_ms, cost_usd
  none_eligible,    // every candidate is blocked or down
  weight_moved,     // model; figures from, to
  quality_changed,  // model: its feedback told a change; figures from, to, answers
  quality_drifted,  // model: a drift discounted its feedback; figures from, to, answers
  recorded,         // read from a decision record older than reason data: detail, its words
};

// Names as stored: "excluded", "held_back", ...; parse gives nullopt for
// any other.
std::string_view to_string(reason_code c);
std::optional<reason_code> parse_reason_code(std::string_view s);

struct decision_reason {
  decision_reason() = default;
  decision_reason(reason_code c, model_key m = {}, std::map<std::string, double> f = {},
                  constraint w = {}, latency_basis l = latency_basis::total)
      : code(c), model(std::move(m)), figures(std::move(f)), why(std::move(w)), latency(l) {}
  // An older record's words.
  static decision_reason recorded_as(std::string words);

  reason_code code = reason_code::recorded;
  model_key model;
  std::map<std::string, double> figures;
  constraint why;                                // excluded, held_back
  latency_basis latency = latency_basis::total;  // best: the latency its score weighed
  std::string detail;                            // recorded

  double figure(const std::string& name) const;  // 0 when absent
};

// The reason in words: "openai:gpt-4o excluded (weight 0.500 -> 0): down:
// the last 5 calls failed", "best ...: expected utility 0.2289 (...)", ...
std::string describe(const decision_reason& r);

// {"code": ..., "model": ..., "figures": {...}, "constraint": {...},
// "latency_weighed": ..., "detail": ...} (members only when set).
// reason_from_json gives nullopt for a reason it cannot read (a newer
// version's code).
void to_json(nlohmann::json& j, const decision_reason& r);
std::optional<decision_reason> reason_from_json(const nlohmann::json& j);

}  // namespace llmopt
