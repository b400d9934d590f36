#include "decision/aggregator.hpp"

namespace llmopt {

namespace {
constexpr double neutral_quality_prior = 0.5;
}

aggregator::aggregator(aggregator_options options, const std::vector<model_spec>& catalog)
    : options_(options) {
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
  ++applied_[static_cast<std::size_t>(s.kind())];
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

}  // namespace llmopt
