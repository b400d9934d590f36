#include "decision/decision_reason.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "decision/enum_names.hpp"
#include "decision/printf_string.hpp"

namespace llmopt {
namespace {

constexpr std::array<std::string_view, 8> reason_code_names{
    "excluded",        "held_back",       "best",    "none_eligible", "weight_moved",
    "quality_changed", "quality_drifted", "recorded"};

// The latency a candidate's score weighed, in words.
std::string latency_phrase(latency_basis basis, double ms) {
  switch (basis) {
    case latency_basis::total:
      break;
    case latency_basis::ttft:
      return printf_string("time to first token %.0f ms", ms);
    case latency_basis::ttft_from_total:
      return printf_string("time to first token %.0f ms, estimated from its total latency", ms);
    case latency_basis::total_for_ttft:
      return printf_string("latency %.0f ms, total: no first-token time on the route yet", ms);
  }
  return printf_string("latency %.0f ms", ms);
}

}  // namespace

std::string_view to_string(reason_code c) {
  return name_of(reason_code_names, c);
}

std::optional<reason_code> parse_reason_code(std::string_view s) {
  return parse_name<reason_code>(reason_code_names, s);
}

decision_reason decision_reason::recorded_as(std::string words) {
  decision_reason r;
  r.detail = std::move(words);
  return r;
}

double decision_reason::figure(const std::string& name) const {
  auto it = figures.find(name);
  return it == figures.end() ? 0.0 : it->second;
}

std::string describe(const decision_reason& r) {
  auto f = [&r](const char* name) { return r.figure(name); };
  const char* model = r.model.c_str();
  switch (r.code) {
    case reason_code::excluded:
      if (r.figures.count("previous_weight"))
        return printf_string("%s excluded (weight %.3f -> 0): %s", model, f("previous_weight"),
                             describe(r.why).c_str());
      return printf_string("%s excluded: %s", model, describe(r.why).c_str());
    case reason_code::held_back:
      return printf_string("%s held back: %s", model, describe(r.why).c_str());
    case reason_code::best:
      return printf_string(
          "best %s: expected utility %.4f (quality %.3f, error rate %.3f over %.0f calls, %s, "
          "cost $%.6f)",
          model, f("utility"), f("quality"), f("error_rate"), f("calls"),
          latency_phrase(r.latency, f("latency_ms")).c_str(), f("cost_usd"));
    case reason_code::none_eligible:
      return "no candidate is eligible; spreading over those not blocked by policy";
    case reason_code::weight_moved:
      return printf_string("%s weight %.3f -> %.3f", model, f("from"), f("to"));
    case reason_code::quality_changed:
      return printf_string(
          "%s quality %.3f -> %.3f: its last %.0f answers' feedback tells a change, and the "
          "feedback before them no longer counts",
          model, f("from"), f("to"), f("answers"));
    case reason_code::quality_drifted:
      return printf_string(
          "%s quality %.3f -> %.3f: a quality drift discounts its earlier feedback (the last %.0f "
          "answers, of its observation period or since it looked worse, count whole)",
          model, f("from"), f("to"), f("answers"));
    case reason_code::recorded:
      break;
  }
  return r.detail;
}

void to_json(nlohmann::json& j, const decision_reason& r) {
  j = {{"code", to_string(r.code)}};
  if (!r.model.empty()) j["model"] = r.model;
  if (!r.figures.empty()) j["figures"] = r.figures;
  if (!r.why.empty()) j["constraint"] = r.why;
  if (r.latency != latency_basis::total) j["latency_weighed"] = to_string(r.latency);
  if (!r.detail.empty()) j["detail"] = r.detail;
}

std::optional<decision_reason> reason_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto code = parse_reason_code(j.value("code", std::string{}));
  if (!code) return std::nullopt;
  decision_reason r;
  r.code = *code;
  r.model = j.value("model", std::string{});
  if (auto it = j.find("figures"); it != j.end() && it->is_object())
    for (const auto& [name, v] : it->items())
      if (v.is_number()) r.figures[name] = v.get<double>();
  if (auto it = j.find("constraint"); it != j.end()) r.why = it->get<constraint>();
  auto latency = parse_latency_basis(j.value("latency_weighed", std::string{"total"}));
  if (!latency) return std::nullopt;
  r.latency = *latency;
  r.detail = j.value("detail", std::string{});
  return r;
}

}  // namespace llmopt
