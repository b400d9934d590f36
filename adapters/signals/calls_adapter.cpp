// calls — topic llm.calls: the calls llmopt instances make, one message per
// call (call_message writes it; key = the model), so that every instance's
// statistics can count every instance's calls.
//
// A call → call_outcome. Kind: callId.
//   Required: callId (unique per call: the instance's id and its count),
//   at (when the call ended), modelId ("provider:model"), status (ok, error,
//   timeout), latencyMs ([0, 1 day]).
//   Optional: instance, route, inputTokens, outputTokens (counts, default
//   0), costUsd (>= 0; what the call cost, billed or at list price),
//   billedUsd (>= 0; what the provider said it cost), ttftMs and
//   interTokenMs ([0, 1 day]), outputTokensPerS (>= 0, at most
//   max_output_tokens_per_s).

#include <nlohmann/json.hpp>

#include "adapters/signals/calls_topic.hpp"
#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {
namespace {

constexpr auto duration = number_domain::duration_ms;
constexpr auto non_negative = number_domain::non_negative;

}  // namespace

typed_signal read_calls_signal(field_reader& r, const envelope_defaults& env) {
  if (!r.has("callId")) {
    fail_unknown_kind(r, "calls", "callId");
    return {};
  }
  typed_signal s;
  s.id = read_signal_id(r, "callId", env);
  s.at = read_signal_time(r, "at", env);
  r.optional_text("instance");
  s.model = read_model_key(r, model_presence::required);
  call_outcome c;
  c.status = r.enumeration("status", parse_call_status);
  c.latency_ms = r.number("latencyMs", duration);
  c.route = r.optional_text("route");
  c.input_tokens = r.optional_count("inputTokens").value_or(0);
  c.output_tokens = r.optional_count("outputTokens").value_or(0);
  c.cost_usd = r.optional_number("costUsd", non_negative);
  c.billed_usd = r.optional_number("billedUsd", non_negative);
  c.ttft_ms = r.optional_number("ttftMs", duration);
  c.inter_token_ms = r.optional_number("interTokenMs", duration);
  c.output_tokens_per_s = r.optional_number("outputTokensPerS", non_negative);
  if (c.output_tokens_per_s && *c.output_tokens_per_s > max_output_tokens_per_s)
    r.fail(dead_letter::out_of_range, "outputTokensPerS", "more than a million tokens a second");
  s.body = std::move(c);
  return s;
}

std::string call_message(const typed_signal& call, std::string_view instance) {
  const auto& c = std::get<call_outcome>(call.body);
  nlohmann::json j{{"callId", call.id},
                   {"at", call.at},
                   {"modelId", call.model},
                   {"status", to_string(c.status)},
                   {"latencyMs", c.latency_ms}};
  if (!instance.empty()) j["instance"] = instance;
  if (!c.route.empty()) j["route"] = c.route;
  if (c.input_tokens) j["inputTokens"] = c.input_tokens;
  if (c.output_tokens) j["outputTokens"] = c.output_tokens;
  auto put = [&j](const char* name, const std::optional<double>& x) {
    if (x) j[name] = *x;
  };
  put("costUsd", c.cost_usd);
  put("billedUsd", c.billed_usd);
  put("ttftMs", c.ttft_ms);
  put("interTokenMs", c.inter_token_ms);
  put("outputTokensPerS", c.output_tokens_per_s);
  // Invalid UTF-8 in a name (from a config) is replaced, not thrown.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace llmopt
