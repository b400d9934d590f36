#include "pages/decision_explanation.hpp"

#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "decision/printf_string.hpp"

namespace llmopt::pages {
namespace {

// key -> (calls, USD)
std::map<std::string, std::pair<long long, double>> calls_by_key(
    const std::vector<spend_entry>& routed) {
  std::map<std::string, std::pair<long long, double>> by_key;
  for (const auto& e : routed) {
    auto& [calls, usd] = by_key[e.key_id.empty() ? "(no key)" : e.key_id];
    ++calls;
    usd += e.usd;
  }
  return by_key;
}

}  // namespace

std::string explanation_text(const decision& d, const std::vector<spend_entry>& routed) {
  std::string out = explain(d);
  auto by_key = calls_by_key(routed);
  if (by_key.empty()) return out;
  out += "billed calls it routed, by key:\n";
  for (const auto& [key, totals] : by_key)
    out += printf_string("  %s: %lld call(s), $%.6f\n", key.c_str(), totals.first, totals.second);
  return out;
}

nlohmann::json explanation_json(const decision& d, const std::vector<spend_entry>& routed) {
  auto out = nlohmann::json(d);
  out["calls_by_key"] = nlohmann::json::array();
  for (const auto& [key, totals] : calls_by_key(routed))
    out["calls_by_key"].push_back({{"key", key}, {"calls", totals.first}, {"usd", totals.second}});
  return out;
}

}  // namespace llmopt::pages
