#pragma once

// Parts of a model's statistics as JSON arrays, as checkpoints and the
// instances' reports to each other (peer_view.hpp) carry them. The readers
// throw nlohmann::json exceptions on a shape they cannot read.

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "decision/model_stats.hpp"

namespace llmopt {

nlohmann::json flags_json(const std::vector<active_flag>& flags);
// A flag of a type this version does not know (a newer one's) reads as
// `unknown`, or is left out without one.
std::vector<active_flag> flags_from(const nlohmann::json& j, std::optional<flag_type> unknown);

nlohmann::json profile_json(const latency_profile& p);
latency_profile profile_from(const nlohmann::json& j);

}  // namespace llmopt
