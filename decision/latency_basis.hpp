#pragma once

#include <optional>
#include <string_view>

namespace llmopt {

// Which latency a candidate's score weighed (route_spec::latency_metric).
enum class latency_basis {
  total,  // the whole answer's: a route weighing total latency
  ttft,   // the time to its first token: a route weighing TTFT
  // A route weighing TTFT, for a model with no first-token time of its own
  // (never streamed, never profiled with one): its total latency scaled by
  // the share of the whole answer the first token takes on the route's
  // other candidates (scoring.hpp, first_token_share) ...
  ttft_from_total,
  // ... or its total latency, when no candidate of the route has a
  // first-token time to tell that share.
  total_for_ttft,
};

// Names in decision records: "total", "ttft", "ttft_from_total",
// "total_for_ttft"; parse gives nullopt for any other.
std::string_view to_string(latency_basis x);
std::optional<latency_basis> parse_latency_basis(std::string_view s);

}  // namespace llmopt
