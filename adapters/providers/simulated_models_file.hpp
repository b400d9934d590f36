#pragma once

#include <string>
#include <vector>

#include "decision/result.hpp"
#include "decision/world_model.hpp"

namespace llmopt {

// Reads a models file for the provider simulator: a JSON array of models, or
// an object with a "models" array (so a scenario file works as is). Besides
// the scenario's fields, an entry may set the simulator's own: ttft_ms,
// tokens_per_s, output_tokens (read_stream_fields). Errors
// name the file and, for a bad entry, the entry and field
// ("models.json: models[1].latency_ms.p95: ...").
result<std::vector<simulated_model>> load_simulated_models_file(const std::string& path);

}  // namespace llmopt
