#include "decision/routing_table.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace llmopt {

double route_weights::weight_of(const model_key& m) const {
  for (const auto& [model, w] : weights)
    if (model == m) return w;
  return 0;
}

std::vector<model_key> route_weights::attempt_order(double u) const {
  return attempt_order(u, [](const model_key&) { return true; });
}

std::vector<model_key> route_weights::attempt_order(
    double u, const std::function<bool(const model_key&)>& can_serve) const {
  std::vector<std::pair<model_key, double>> eligible;
  double total = 0;
  for (const auto& entry : weights) {
    if (entry.second > 0 && can_serve(entry.first)) {
      eligible.push_back(entry);
      total += entry.second;
    }
  }
  std::vector<model_key> order;
  if (eligible.empty()) return order;
  // Draw the first candidate by weight.
  double target = u * total;
  std::size_t first = eligible.size() - 1;
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    target -= eligible[i].second;
    if (target < 0) {
      first = i;
      break;
    }
  }
  order.push_back(eligible[first].first);
  eligible.erase(eligible.begin() + static_cast<std::ptrdiff_t>(first));
  std::stable_sort(eligible.begin(), eligible.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (auto& entry : eligible)
    order.push_back(std::move(entry.first));
  return order;
}

void to_json(nlohmann::json& j, const route_weights& w) {
  auto weights = nlohmann::json::object();
  for (const auto& [model, weight] : w.weights)
    weights[model] = weight;
  j = nlohmann::json{{"route", w.route}, {"decision_id", w.decision_id}, {"weights", weights}};
}

void from_json(const nlohmann::json& j, route_weights& w) {
  w.route = j.at("route").get<std::string>();
  w.decision_id = j.value("decision_id", 0LL);
  w.weights.clear();
  for (const auto& [model, weight] : j.at("weights").items())
    w.weights.emplace_back(model, weight.get<double>());
}

}  // namespace llmopt
