#pragma once

#include <map>
#include <optional>
#include <string>

#include "config/loader.hpp"

namespace llmopt::test {

// An environment for config tests: exactly the given variables.
inline env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// An empty environment.
inline env_lookup no_env() {
  return env_of({});
}

}  // namespace llmopt::test
