#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision/result.hpp"
#include "decision/world_model.hpp"

namespace llmopt {

// The provider simulator's models and their current parameters.
//
// Threading: every member is safe to call from any thread. The set of models
// and their ids never change after construction; prices and behaviour do.
class sim_model_table {
 public:
  // Errors ("bad_model") for no models, duplicate ids or an invalid behaviour.
  static result<std::unique_ptr<sim_model_table>> make(std::vector<simulated_model> models);

  // The index of the model called `name`: its full id ("openai:gpt-4o") or,
  // when exactly one model has it, the part after ':' ("gpt-4o").
  std::optional<std::size_t> find(std::string_view name) const;

  std::size_t size() const { return ids_.size(); }
  // REQUIRES: i < size()
  simulated_model get(std::size_t i) const;
  std::vector<simulated_model> all() const;

  // Replaces the behaviour of model i; error ("out_of_range") naming the field
  // when it is invalid. REQUIRES: i < size()
  status set_behaviour(std::size_t i, const model_behaviour& b);

  // Applies a partial update in the scenario file's shape: any of
  // latency_ms {median, p95}, error_rate, quality, price_in_per_mtok,
  // price_out_per_mtok. All or nothing; an error names the field.
  // Returns the model as it now is. REQUIRES: i < size()
  result<simulated_model> update(std::size_t i, const nlohmann::json& changes);

 private:
  explicit sim_model_table(std::vector<simulated_model> models);

  std::vector<model_key> ids_;  // immutable: read without the lock
  mutable std::mutex mu_;
  std::vector<simulated_model> models_;
};

// A model in the scenario file's shape (id, prices, latency_ms, error_rate,
// quality).
nlohmann::json to_json(const simulated_model& m);

}  // namespace llmopt
