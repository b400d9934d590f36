#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decision/budget.hpp"

namespace llmopt {

// What one API key may do. Every limit is optional.
struct key_policy {
  std::vector<std::string> routes;    // empty: every route and model
  std::optional<double> budget_usd;   // per `period`
  budget_period period = budget_period::month;
  std::optional<long long> rpm;       // requests per minute
  std::optional<long long> tpm;       // tokens (prompt + max output) per minute
};

// Who sent a request: the API key it presented. key_id is empty when the
// gateway runs with auth.required = false and no key was given.
struct caller {
  std::string key_id;    // the key's public id (never the secret)
  std::string key_name;  // as given to `llmopt keys create --name`
  key_policy policy;
  // The key's name in the shared ledger (budgets.redis), the same on every
  // instance that holds the key (api_keys.hpp, key_ledger_id).
  std::string ledger_id;
};

}  // namespace llmopt
