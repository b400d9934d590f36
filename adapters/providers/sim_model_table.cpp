#include "adapters/providers/sim_model_table.hpp"

#include <cmath>
#include <set>
#include <string>
#include <utility>

namespace llmopt {
namespace {

constexpr const char* stream_fields[] = {"ttft_ms", "tokens_per_s", "output_tokens"};
constexpr long long max_output_tokens = 1000000;

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
  // The world model's fields go through with_changes (which refuses the
  // others); the simulator's own are read here.
  auto world_changes = changes;
  for (const char* key : stream_fields)
    world_changes.erase(key);
  std::lock_guard<std::mutex> lock(mu_);
  auto changed = with_changes(models_.at(i), world_changes);
  if (!changed) return changed.err();
  if (auto st = read_stream_fields(changes, "", *changed); !st) return st.err();
  models_[i] = *changed;
  return *changed;
}

status read_stream_fields(const nlohmann::json& obj, const std::string& prefix,
                          simulated_model& m) {
  auto bad = [&](const char* key, const char* what) {
    return error{"out_of_range", prefix + key + ": " + what, prefix + key};
  };
  for (auto [key, dst] :
       {std::pair{"ttft_ms", &m.ttft_ms}, std::pair{"tokens_per_s", &m.tokens_per_s}}) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    if (it->is_null()) {
      dst->reset();
      continue;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0)
      return bad(key, "expected a number >= 0");
    *dst = it->get<double>();
  }
  if (auto it = obj.find("output_tokens"); it != obj.end()) {
    if (it->is_null()) {
      m.output_tokens.reset();
    } else {
      const bool fits = it->is_number_integer() && (!it->is_number_unsigned() ||
                                                    it->get<std::uint64_t>() <= max_output_tokens);
      if (!fits || it->get<long long>() < 1 || it->get<long long>() > max_output_tokens)
        return bad("output_tokens", "expected an integer in [1, 1000000]");
      m.output_tokens = it->get<long long>();
    }
  }
  return ok_status();
}

nlohmann::json to_json(const simulated_model& m) {
  nlohmann::json j = {
      {"id", m.id},
      {"price_in_per_mtok", m.price.in_per_mtok},
      {"price_out_per_mtok", m.price.out_per_mtok},
      {"latency_ms",
       {{"median", m.behaviour.latency_median_ms}, {"p95", m.behaviour.latency_p95_ms}}},
      {"error_rate", m.behaviour.error_rate},
      {"quality", m.behaviour.quality}};
  if (m.ttft_ms) j["ttft_ms"] = *m.ttft_ms;
  if (m.tokens_per_s) j["tokens_per_s"] = *m.tokens_per_s;
  if (m.output_tokens) j["output_tokens"] = *m.output_tokens;
  return j;
}

}  // namespace llmopt
