#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
  // price_out_per_mtok, and the stream fields (ttft_ms, tokens_per_s,
  // output_tokens; null unsets one). All or nothing; an error names the
  // field.
  // Returns the model as it now is. REQUIRES: i < size()
  result<simulated_model> update(std::size_t i, const nlohmann::json& changes);

 private:
  explicit sim_model_table(std::vector<simulated_model> models);

  std::vector<model_key> ids_;  // immutable: read without the lock
  mutable std::mutex mu_;
  std::vector<simulated_model> models_;
};

// The provider simulator's own model fields, read from a models-file entry
// or an admin update: ttft_ms (a number >= 0), tokens_per_s (a number >= 0;
// 0: as fast as the client reads), output_tokens (an integer in
// [1, 1000000]). Absent leaves a field as is; null unsets it. Errors
// ("out_of_range") name the field after `prefix`.
status read_stream_fields(const nlohmann::json& obj, const std::string& prefix, simulated_model& m);

// A model in the scenario file's shape (id, prices, latency_ms, error_rate,
// quality), and the stream fields that are set.
nlohmann::json to_json(const simulated_model& m);

}  // namespace llmopt
