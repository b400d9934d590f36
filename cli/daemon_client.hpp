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
// A request to the running daemon's admin API (found as for daemon_get):
// its status and its JSON body, whatever the status (except 401, an error).
struct daemon_answer {
  long status = 0;
  nlohmann::json body;
};
result<daemon_answer> daemon_call(const loaded_config& config, const std::string& method,
                                  const std::string& path, const std::string& body,
                                  const std::optional<std::string>& url);

result<nlohmann::json> daemon_get(const loaded_config& config, const std::string& path,
                                  const std::optional<std::string>& url);

}  // namespace llmopt
