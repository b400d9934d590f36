#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json_fwd.hpp>

namespace llmopt {

// Why a candidate gets no traffic (excluded) or only a probe share (held
// back), as data: a code, its figures and, for what a signal said, that
// signal's description. Words are made at the edge (describe(): the CLI,
// logs, pages); the engine and metrics compare codes.
enum class constraint_code {
  // Excluded.
  policy_block,    // detail: the policy event
  anomaly,         // detail: the anomaly that takes the model down
  failure_streak,  // figures: calls
  error_rate,      // figures: error_rate, calls
  circuit_open,    // figures: open_s (the request path's breaker)
  // Held back.
  retrying,                 // figures: calls (the failure streak retried)
  latency_slo,              // figures: p95_ms, slo_ms
  latency_slo_unconfirmed,  // figures: slo_ms (was over it; too few calls since)
  ttft_slo,                 // figures: p95_ms, slo_ms
  ttft_slo_unconfirmed,     // figures: slo_ms
  // Read from a decision record older than codes: the words only.
  recorded,
};

// Names as stored and exported: "policy_block", "anomaly", ...
std::string_view to_string(constraint_code c);
std::optional<constraint_code> parse_constraint_code(std::string_view s);

struct constraint {
  constraint() = default;
  constraint(constraint_code c, std::map<std::string, double> f = {}, std::string d = {})
      : code(c), figures(std::move(f)), detail(std::move(d)) {}

  std::optional<constraint_code> code;  // none: not constrained
  std::map<std::string, double> figures;
  std::string detail;
  // Held back, as is every other candidate that may serve the route: they
  // are weighed by score instead.
  bool every_candidate = false;

  bool empty() const { return !code; }
  bool is(constraint_code c) const { return code == c; }
  // Held back for the route's latency SLO (total or first token).
  bool for_latency_slo() const;
  double figure(const std::string& name) const;  // 0 when absent
};

// The constraint in words: "down: the last 5 calls failed", ...; "" when
// empty.
std::string describe(const constraint& c);

// {"code": ..., "figures": {...}, "detail": ..., "every_candidate": true}
// (members only when set); null when empty. from_json of a string reads an
// older record's words as `recorded`.
void to_json(nlohmann::json& j, const constraint& c);
void from_json(const nlohmann::json& j, constraint& c);

}  // namespace llmopt
