#include "decision/decision_record.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "decision/outside_json.hpp"
#include "decision/printf_string.hpp"

namespace llmopt {
namespace {

template <class T>
void put_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

template <class T>
void get_optional(const nlohmann::json& j, const char* key, std::optional<T>& v) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) v = it->get<T>();
}

// What each latency basis means, for the legend of an explanation.
std::string_view meaning(latency_basis x) {
  switch (x) {
    case latency_basis::total:
      return "total latency (the whole answer)";
    case latency_basis::ttft:
      return "time to first token";
    case latency_basis::ttft_from_total:
      return "no first-token time of its own: its total latency x the share of the answer "
             "the first token takes on the route's other candidates";
    case latency_basis::total_for_ttft:
      return "no first-token time of its own, nor on any candidate of the route: its total "
             "latency";
  }
  return "?";
}

// The trigger and reasons of `j` as data; false when it has none, or any
// this version cannot read.
bool read_data(const nlohmann::json& j, decision& d) {
  auto trigger = j.find("trigger_data");
  auto reasons = j.find("reason_data");
  if (trigger == j.end() || reasons == j.end() || !reasons->is_array()) return false;
  auto read_trigger = trigger_from_json(*trigger);
  if (!read_trigger) return false;
  std::vector<decision_reason> read_reasons;
  for (const auto& r : *reasons) {
    auto reason = reason_from_json(r);
    if (!reason) return false;
    read_reasons.push_back(std::move(*reason));
  }
  d.trigger = std::move(*read_trigger);
  d.reasons = std::move(read_reasons);
  return true;
}

}  // namespace

std::string format_time(time_ms at) {
  std::time_t secs = static_cast<std::time_t>(at / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, at % 1000);
  return buf;
}

void to_json(nlohmann::json& j, const candidate_assessment& c) {
  j = nlohmann::json{{"model", c.model},
                     {"weight", c.weight},
                     {"previous_weight", c.previous_weight},
                     // In words for readers of older records, and as data.
                     {"excluded", describe(c.excluded)},
                     {"held_back", describe(c.held_back)},
                     {"quality", c.quality},
                     {"quality_sd", c.quality_sd},
                     {"quality_samples", c.quality_samples},
                     {"score_sd", c.score_sd},
                     {"p_best", c.p_best},
                     {"error_rate", c.error_rate},
                     {"calls", c.calls},
                     {"expected_latency_ms", c.expected_latency_ms},
                     {"latency_samples", c.latency_samples},
                     {"expected_cost_usd", c.expected_cost_usd}};
  if (!c.excluded.empty()) j["exclusion"] = c.excluded;
  if (!c.held_back.empty()) j["hold"] = c.held_back;
  if (const auto& q = c.quality_changed; q.cause != quality_change_cause::none)
    j["quality_change"] = {{"cause", to_string(q.cause)},
                           {"at", q.at},
                           {"from", q.from},
                           {"to", q.to},
                           {"answers", q.answers}};
  put_optional(j, "score", c.score);
  put_optional(j, "p50_ms", c.p50_ms);
  put_optional(j, "p95_ms", c.p95_ms);
  // Only for routes weighing TTFT: the records of every other route stay
  // as they were.
  if (c.latency_weighed != latency_basis::total)
    j["latency_weighed"] = std::string{to_string(c.latency_weighed)};
  put_optional(j, "p50_ttft_ms", c.p50_ttft_ms);
  put_optional(j, "p95_ttft_ms", c.p95_ttft_ms);
}

void from_json(const nlohmann::json& j, candidate_assessment& c) {
  c.model = j.at("model").get<std::string>();
  c.weight = j.at("weight").get<double>();
  c.previous_weight = j.value("previous_weight", 0.0);
  // Records older than codes have the words only.
  c.excluded = j.contains("exclusion") ? j["exclusion"].get<constraint>()
                                       : j.value("excluded", nlohmann::json("")).get<constraint>();
  c.held_back = j.contains("hold") ? j["hold"].get<constraint>()
                                   : j.value("held_back", nlohmann::json("")).get<constraint>();
  // A code this version does not know (a newer one's) reads as its words.
  for (auto [read, words] :
       {std::pair{&c.excluded, "excluded"}, std::pair{&c.held_back, "held_back"}})
    if (read->is(constraint_code::recorded))
      if (auto said = j.value(words, std::string{}); !said.empty()) read->detail = said;
  c.quality = j.value("quality", 0.0);
  c.quality_sd = j.value("quality_sd", 0.0);
  c.quality_samples = j.value("quality_samples", 0.0);
  if (auto it = j.find("quality_change"); it != j.end() && it->is_object())
    if (auto cause = parse_quality_change_cause(it->value("cause", std::string{})))
      c.quality_changed = {*cause, it->value("at", time_ms{0}), it->value("from", 0.0),
                           it->value("to", 0.0), it->value("answers", 0.0)};
  c.score_sd = j.value("score_sd", 0.0);
  c.p_best = j.value("p_best", 0.0);
  c.error_rate = j.value("error_rate", 0.0);
  c.calls = j.value("calls", 0LL);
  c.expected_latency_ms = j.value("expected_latency_ms", 0.0);
  c.latency_samples = j.value("latency_samples", 0.0);
  c.expected_cost_usd = j.value("expected_cost_usd", 0.0);
  get_optional(j, "score", c.score);
  get_optional(j, "p50_ms", c.p50_ms);
  get_optional(j, "p95_ms", c.p95_ms);
  c.latency_weighed = parse_latency_basis(j.value("latency_weighed", std::string{"total"}))
                          .value_or(latency_basis::total);
  get_optional(j, "p50_ttft_ms", c.p50_ttft_ms);
  get_optional(j, "p95_ttft_ms", c.p95_ttft_ms);
}

std::vector<std::string> reason_lines(const decision& d) {
  std::vector<std::string> out;
  if (!d.trigger.tick_only() && d.trigger.kind() != trigger_kind::recorded)
    out.push_back("triggered by " + describe(d.trigger));
  for (const auto& r : d.reasons)
    out.push_back(describe(r));
  return out;
}

void to_json(nlohmann::json& j, const decision& d) {
  j = nlohmann::json{{"id", d.id},
                     {"at_ms", d.at},
                     {"at", format_time(d.at)},
                     {"route", d.route},
                     // In words for readers of older records, and as data.
                     {"trigger", describe(d.trigger)},
                     {"reasons", reason_lines(d)},
                     {"trigger_data", d.trigger},
                     {"reason_data", d.reasons},
                     {"candidates", d.candidates}};
  if (!d.decided_by.empty()) j["decided_by"] = d.decided_by;
}

std::string decision_message(const decision& d) {
  return nlohmann::json(d).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void from_json(const nlohmann::json& j, decision& d) {
  d.id = j.at("id").get<long long>();
  d.at = j.at("at_ms").get<time_ms>();
  d.route = j.at("route").get<std::string>();
  d.candidates = j.value("candidates", std::vector<candidate_assessment>{});
  d.decided_by = j.value("decided_by", std::string{});
  if (read_data(j, d)) return;
  d.trigger = recorded_trigger(j.value("trigger", std::string{}));
  d.reasons.clear();
  for (auto& words : j.value("reasons", std::vector<std::string>{}))
    d.reasons.push_back(decision_reason::recorded_as(std::move(words)));
}

result<decision> read_decision_message(std::string_view text, std::size_t max_bytes) {
  auto j = parse_outside_json(text, max_bytes, 32);
  if (!j) return error{j.err().code, "a decision: " + j.err().detail};
  if (!j->is_object()) return error{"invalid_decision", "a decision is a JSON object"};
  decision d;
  try {
    d = j->get<decision>();
  } catch (const nlohmann::json::exception& e) {
    return error{"invalid_decision", e.what()};
  }
  // Ids and times go into sums and differences: bounded far from overflow.
  constexpr long long max_exact = 1LL << 53;
  if (d.id <= 0 || d.id > max_exact)
    return error{"invalid_decision", "id is not in [1, 2^53]", "id"};
  if (d.at < 0 || d.at > max_exact)
    return error{"invalid_decision", "at_ms is not in [0, 2^53]", "at_ms"};
  if (d.route.empty()) return error{"invalid_decision", "route is empty", "route"};
  for (std::size_t i = 0; i < d.candidates.size(); ++i) {
    const double w = d.candidates[i].weight;
    if (!(w >= 0 && w <= 1))
      return error{"invalid_decision", "weight is not in [0, 1]",
                   "candidates[" + std::to_string(i) + "].weight"};
  }
  return d;
}

std::string explain(const decision& d) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "decision %lld  route %s  at %s\ntrigger: %s\n", d.id,
                d.route.c_str(), format_time(d.at).c_str(), describe(d.trigger).c_str());
  out += line;
  if (!d.decided_by.empty()) out += "decided by: " + d.decided_by + "\n";
  out += "reasons:\n";
  for (const auto& r : reason_lines(d))
    out += "  - " + r + "\n";
  // A route weighing TTFT gets a column saying which latency each
  // candidate's score weighed; other routes read as they always have.
  bool weighs_ttft = false;
  for (const auto& c : d.candidates)
    weighs_ttft = weighs_ttft || c.latency_weighed != latency_basis::total;
  auto basis_column = [&](std::string_view text) {
    return weighs_ttft ? printf_string(" %-15.*s", static_cast<int>(text.size()), text.data())
                       : std::string{};
  };
  out += "candidates:\n";
  std::snprintf(line, sizeof line, "  %-36s %7s %7s %8s %7s %6s %9s%s %10s  %s\n", "model",
                "weight", "before", "score", "quality", "errors", "latency",
                basis_column("latency of").c_str(), "cost/req", "excluded or held back");
  out += line;
  std::vector<latency_basis> bases;
  for (const auto& c : d.candidates) {
    char score[32] = "-";
    if (c.score) std::snprintf(score, sizeof score, "%.4f", *c.score);
    std::snprintf(line, sizeof line, "  %-36s %7.3f %7.3f %8s %7.3f %6.3f %7.0fms%s %10.6f  %s\n",
                  c.model.c_str(), c.weight, c.previous_weight, score, c.quality, c.error_rate,
                  c.expected_latency_ms, basis_column(to_string(c.latency_weighed)).c_str(),
                  c.expected_cost_usd,
                  c.excluded.empty() && !c.held_back.empty()
                      ? ("held back: " + describe(c.held_back)).c_str()
                      : describe(c.excluded).c_str());
    out += line;
    if (std::find(bases.begin(), bases.end(), c.latency_weighed) == bases.end())
      bases.push_back(c.latency_weighed);
  }
  if (weighs_ttft) {
    out += "latency of:\n";
    std::sort(bases.begin(), bases.end());
    for (auto b : bases)
      out += "  " + std::string{to_string(b)} + ": " + std::string{meaning(b)} + "\n";
  }
  return out;
}

}  // namespace llmopt
