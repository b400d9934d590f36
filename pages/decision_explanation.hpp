#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/decision_record.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt::pages {

// One decision as operators read it, wherever they read it: `llmopt
// decisions explain ID` prints these, and the dashboard and GET
// /admin/v1/decisions serve the same text and document.
//
// `routed` are the billed calls the decision's weights routed
// (spend_ledger::of_decision), totalled by the key they came with ("(no
// key)" for calls without one).

// explain(d), then "billed calls it routed, by key:" and a line per key with
// its calls and USD, when there are any.
std::string explanation_text(const decision& d, const std::vector<spend_entry>& routed);

// The decision's JSON (decision_record.hpp) plus "calls_by_key": [{key,
// calls, usd}], keys in order.
nlohmann::json explanation_json(const decision& d, const std::vector<spend_entry>& routed);

}  // namespace llmopt::pages
