#include "decision/constraint.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "decision/printf_string.hpp"

namespace llmopt {
namespace {

constexpr std::array<std::pair<constraint_code, std::string_view>, 11> names{{
    {constraint_code::policy_block, "policy_block"},
    {constraint_code::anomaly, "anomaly"},
    {constraint_code::failure_streak, "failure_streak"},
    {constraint_code::error_rate, "error_rate"},
    {constraint_code::circuit_open, "circuit_open"},
    {constraint_code::retrying, "retrying"},
    {constraint_code::latency_slo, "latency_slo"},
    {constraint_code::latency_slo_unconfirmed, "latency_slo_unconfirmed"},
    {constraint_code::ttft_slo, "ttft_slo"},
    {constraint_code::ttft_slo_unconfirmed, "ttft_slo_unconfirmed"},
    {constraint_code::recorded, "recorded"},
}};

std::string words(const constraint& c) {
  auto f = [&c](const char* name) { return c.figure(name); };
  switch (*c.code) {
    case constraint_code::policy_block:
      return "blocked by policy: " + c.detail;
    case constraint_code::anomaly:
      return "down: " + c.detail;
    case constraint_code::failure_streak:
      return printf_string("down: the last %.0f calls failed", f("calls"));
    case constraint_code::error_rate:
      return printf_string("down: error rate %.2f over %.0f calls", f("error_rate"), f("calls"));
    case constraint_code::circuit_open:
      return printf_string("circuit open: the request path's breaker opened %.1f s ago",
                           f("open_s"));
    case constraint_code::retrying:
      return printf_string("retrying: the last %.0f calls failed", f("calls"));
    case constraint_code::latency_slo:
      return printf_string("p95 latency %.0f ms is over the route's SLO of %.0f ms", f("p95_ms"),
                           f("slo_ms"));
    case constraint_code::latency_slo_unconfirmed:
      return printf_string(
          "p95 latency was over the route's SLO of %.0f ms; too few calls since to tell",
          f("slo_ms"));
    case constraint_code::ttft_slo:
      return printf_string("p95 time to first token %.0f ms is over the route's SLO of %.0f ms",
                           f("p95_ms"), f("slo_ms"));
    case constraint_code::ttft_slo_unconfirmed:
      return printf_string(
          "p95 time to first token was over the route's SLO of %.0f ms; too few streamed calls "
          "since to tell",
          f("slo_ms"));
    case constraint_code::recorded:
      return c.detail;
  }
  return c.detail;
}

}  // namespace

std::string_view to_string(constraint_code c) {
  for (const auto& [code, name] : names)
    if (code == c) return name;
  return "recorded";
}

std::optional<constraint_code> parse_constraint_code(std::string_view s) {
  for (const auto& [code, name] : names)
    if (name == s) return code;
  return std::nullopt;
}

bool constraint::for_latency_slo() const {
  return is(constraint_code::latency_slo) || is(constraint_code::latency_slo_unconfirmed) ||
         is(constraint_code::ttft_slo) || is(constraint_code::ttft_slo_unconfirmed);
}

double constraint::figure(const std::string& name) const {
  auto it = figures.find(name);
  return it == figures.end() ? 0.0 : it->second;
}

std::string describe(const constraint& c) {
  if (!c.code) return "";
  auto out = words(c);
  if (c.every_candidate) out += "; so is every other candidate: weighed by score";
  return out;
}

void to_json(nlohmann::json& j, const constraint& c) {
  if (!c.code) {
    j = nullptr;
    return;
  }
  j = {{"code", to_string(*c.code)}};
  if (!c.figures.empty()) j["figures"] = c.figures;
  if (!c.detail.empty()) j["detail"] = c.detail;
  if (c.every_candidate) j["every_candidate"] = true;
}

void from_json(const nlohmann::json& j, constraint& c) {
  c = {};
  if (j.is_string()) {  // an older record: its words
    if (!j.get_ref<const std::string&>().empty()) {
      c.code = constraint_code::recorded;
      c.detail = j.get<std::string>();
    }
    return;
  }
  if (!j.is_object()) return;
  c.code = parse_constraint_code(j.value("code", std::string{}));
  if (!c.code) c.code = constraint_code::recorded;
  if (auto it = j.find("figures"); it != j.end() && it->is_object())
    for (const auto& [name, v] : it->items())
      if (v.is_number()) c.figures[name] = v.get<double>();
  c.detail = j.value("detail", std::string{});
  c.every_candidate = j.value("every_candidate", false);
}

}  // namespace llmopt
