#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decision/model_spec.hpp"
#include "decision/model_stats.hpp"

namespace llmopt {

// The live statistics of every model: signals in, model views out.
//
// Pure and single-threaded: the aggregator actor owns one in the daemon, the
// simulator owns one on virtual time. `now` is passed in; it must not go
// backwards between calls.
class aggregator {
 public:
  // `catalog` gives the quality prior of known models; models that appear
  // only in signals start from a neutral prior of 0.5.
  aggregator(aggregator_options options, const std::vector<model_spec>& catalog);

  // Models a reloaded configuration declares: a model not seen yet starts
  // from its prior and is in views() from now on; one already seen keeps
  // its state.
  void declare(const std::vector<model_spec>& catalog);

  // Applies one signal. A signal that names no model changes nothing.
  void apply(const typed_signal& s, time_ms now);

  // The view of every model seen or declared, by key.
  std::unordered_map<model_key, model_view> views(time_ms now);

  std::size_t model_count() const { return models_.size(); }

  // Every model's state as bytes (MessagePack), for checkpoints; restore()
  // replaces the state of the models it holds. Options and priors stay those
  // of this aggregator.
  std::string save() const;
  status restore(std::string_view bytes);

 private:
  model_stats& stats_for(const model_key& model);

  aggregator_options options_;
  std::unordered_map<model_key, double> priors_;
  std::unordered_map<model_key, model_stats> models_;
};

}  // namespace llmopt
