#include "adapters/providers/sim_model_table.hpp"

#include <cmath>
#include <set>
#include <string>

namespace llmopt {
namespace {

error bad_field(const std::string& field, const std::string& what) {
  return error{"bad_update", field + ": " + what};
}

// Reads an optional number at `key` of `obj` into `dst`.
status read_number(const nlohmann::json& obj, const char* key, const std::string& path,
                   double& dst) {
  auto it = obj.find(key);
  if (it == obj.end()) return ok_status();
  if (!it->is_number()) return bad_field(path, "expected a number");
  dst = it->get<double>();
  return ok_status();
}

status check_price(double p, const char* field) {
  if (!std::isfinite(p) || p < 0) return bad_field(field, "expected a number >= 0");
  return ok_status();
}

}  // namespace

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
  if (!changes.is_object()) return error{"bad_update", "expected a JSON object"};
  static const std::set<std::string> known = {"latency_ms", "error_rate", "quality",
                                              "price_in_per_mtok", "price_out_per_mtok"};
  for (const auto& [key, value] : changes.items())
    if (!known.count(key)) return bad_field(key, "unknown field");
  std::lock_guard<std::mutex> lock(mu_);
  simulated_model m = models_.at(i);
  auto& b = m.behaviour;
  if (auto lat = changes.find("latency_ms"); lat != changes.end()) {
    if (!lat->is_object()) return bad_field("latency_ms", "expected an object {median, p95}");
    for (auto st : {read_number(*lat, "median", "latency_ms.median", b.latency_median_ms),
                    read_number(*lat, "p95", "latency_ms.p95", b.latency_p95_ms)})
      if (!st) return st.err();
  }
  for (auto st :
       {read_number(changes, "error_rate", "error_rate", b.error_rate),
        read_number(changes, "quality", "quality", b.quality),
        read_number(changes, "price_in_per_mtok", "price_in_per_mtok", m.price.in_per_mtok),
        read_number(changes, "price_out_per_mtok", "price_out_per_mtok", m.price.out_per_mtok),
        check_price(m.price.in_per_mtok, "price_in_per_mtok"),
        check_price(m.price.out_per_mtok, "price_out_per_mtok")})
    if (!st) return st.err();
  if (auto st = validate(b); !st) return st.err();
  models_[i] = m;
  return m;
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
