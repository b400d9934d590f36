#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "decision/result.hpp"

namespace llmopt {

// GET `path` of the running daemon's admin API, parsed. The daemon is at
// `url` when given, else at the address it wrote to <state_dir>/http.address
// when it started, else at http.listen; the admin token is admin.token's
// reference resolved from the environment, as the daemon resolves it.
// Errors name the address asked and what went wrong, never the token.
result<nlohmann::json> daemon_get(const loaded_config& config, const std::string& path,
                                  const std::optional<std::string>& url);

}  // namespace llmopt
