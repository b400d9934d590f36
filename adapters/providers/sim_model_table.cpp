#include "adapters/providers/sim_model_table.hpp"

#include <set>
#include <string>

namespace llmopt {

result<std::unique_ptr<sim_model_table>> sim_model_table::make(
    std::vector<simulated_model> models) {
  if (models.empty()) return error{"bad_model", "models: expected at least one model"};
  std::set<model_key> seen;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto where = "models[" + std::to_string(i) + "]";
    if (models[i].id.empty()) return error{"bad_model", where + ".id: expected a non-empty id"};
    if (!seen.insert(models[i].id).second)
      return error{"bad_model", where + ".id: duplicate id '" + models[i].id + "'"};
    if (auto st = validate(models[i].behaviour); !st)
      return error{"bad_model", where + "." + st.err().detail};
  }
  return std::unique_ptr<sim_model_table>(new sim_model_table(std::move(models)));
}

sim_model_table::sim_model_table(std::vector<simulated_model> models) : models_(std::move(models)) {
  for (const auto& m : models_)
    ids_.push_back(m.id);
}

std::optional<std::size_t> sim_model_table::find(std::string_view name) const {
  std::optional<std::size_t> by_short_name;
  int short_matches = 0;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == name) return i;
    if (model_name_of(ids_[i]) == name) {
      by_short_name = i;
      ++short_matches;
    }
  }
  if (short_matches == 1) return by_short_name;
  return std::nullopt;
}

simulated_model sim_model_table::get(std::size_t i) const {
  std::lock_guard<std::mutex> lock(mu_);
  return models_.at(i);
}

std::vector<simulated_model> sim_model_table::all() const {
  std::lock_guard<std::mutex> lock(mu_);
  return models_;
}

status sim_model_table::set_behaviour(std::size_t i, const model_behaviour& b) {
  if (auto st = validate(b); !st) return st;
  std::lock_guard<std::mutex> lock(mu_);
  models_.at(i).behaviour = b;
  return ok_status();
}

result<simulated_model> sim_model_table::update(std::size_t i, const nlohmann::json& changes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto changed = with_changes(models_.at(i), changes);
  if (!changed) return changed.err();
  models_[i] = *changed;
  return *changed;
}

nlohmann::json to_json(const simulated_model& m) {
  return {{"id", m.id},
          {"price_in_per_mtok", m.price.in_per_mtok},
          {"price_out_per_mtok", m.price.out_per_mtok},
          {"latency_ms",
           {{"median", m.behaviour.latency_median_ms}, {"p95", m.behaviour.latency_p95_ms}}},
          {"error_rate", m.behaviour.error_rate},
          {"quality", m.behaviour.quality}};
}

}  // namespace llmopt
