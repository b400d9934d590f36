#include "decision/aggregator.hpp"

#include <nlohmann/json.hpp>

namespace llmopt {

namespace {
constexpr double neutral_quality_prior = 0.5;
}

aggregator::aggregator(aggregator_options options, const std::vector<model_spec>& catalog)
    : options_(options) {
  declare(catalog);
}

void aggregator::declare(const std::vector<model_spec>& catalog) {
  for (const auto& m : catalog) {
    priors_[m.id] = m.quality_prior;
    stats_for(m.id);
  }
}

model_stats& aggregator::stats_for(const model_key& model) {
  auto it = models_.find(model);
  if (it != models_.end()) return it->second;
  auto prior = priors_.find(model);
  double q = prior == priors_.end() ? neutral_quality_prior : prior->second;
  return models_.try_emplace(model, model, options_, q).first->second;
}

void aggregator::apply(const typed_signal& s, time_ms now) {
  if (s.model.empty()) return;
  stats_for(s.model).apply(s, now);
}

std::unordered_map<model_key, model_view> aggregator::views(time_ms now) {
  std::unordered_map<model_key, model_view> out;
  out.reserve(models_.size());
  for (auto& [key, stats] : models_)
    out.emplace(key, stats.view(now));
  return out;
}

std::string aggregator::save() const {
  auto models = nlohmann::json::array();
  for (const auto& [key, stats] : models_) {
    nlohmann::json m;
    stats.save(m);
    models.push_back(std::move(m));
  }
  auto bytes = nlohmann::json::to_msgpack(nlohmann::json{{"version", 1}, {"models", models}});
  return std::string(bytes.begin(), bytes.end());
}

status aggregator::restore(std::string_view bytes) {
  auto doc = nlohmann::json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (doc.is_discarded() || !doc.is_object())
    return error{"bad_checkpoint", "aggregates: not a MessagePack object"};
  if (doc.value("version", 0) != 1) return error{"bad_checkpoint", "aggregates: unknown version"};
  auto models = doc.find("models");
  if (models == doc.end() || !models->is_array())
    return error{"bad_checkpoint", "aggregates: no models"};
  for (const auto& m : *models) {
    auto key = m.find("model");
    if (key == m.end() || !key->is_string())
      return error{"bad_checkpoint", "aggregates: a model without a key"};
    if (auto st = stats_for(key->get<std::string>()).restore(m); !st) return st;
  }
  return ok_status();
}

}  // namespace llmopt
