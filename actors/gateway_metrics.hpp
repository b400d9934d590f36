#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "adapters/providers/upstream_outcome.hpp"
#include "decision/model_key.hpp"

namespace prometheus {
class Registry;
class Histogram;
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace llmopt {

// The request path's metrics, under OpenTelemetry's GenAI names where they
// exist (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/),
// as Prometheus spells them (dots to underscores, the unit as a suffix):
//   gen_ai_client_operation_duration_seconds      every upstream call
//   gen_ai_client_token_usage{gen_ai_token_type}  input and output tokens of a call
//   gen_ai_server_time_to_first_token_seconds     streamed calls
//   gen_ai_server_time_per_output_token_seconds   streamed calls, after the first token
// each with gen_ai_operation_name="chat", gen_ai_provider_name,
// gen_ai_request_model, route and outcome; and
//   llmopt_gateway_added_seconds       what llmopt added to an answer made of one call
//   llmopt_requests_refused_total{reason}  refused before any call: a key's
//                                          rate limit or a budget
//   llmopt_shared_ledger_fallbacks_total   decided by this instance alone: the
//                                          shared ledger (budgets.redis) did not
//                                          answer in time
//   llmopt_shared_ledger_lost_settlements_total  costs that never reached it
// Label values come from the config (declared models and routes) and from
// llmopt's own outcome names, never from what a client sent, so the number
// of series is bounded by the config.
//
// Threading: the recording members run on the loop thread (the request
// path's); the registry is collected from any thread (prometheus-cpp's
// metrics are atomic).
class gateway_metrics {
 public:
  gateway_metrics();
  ~gateway_metrics();
  gateway_metrics(const gateway_metrics&) = delete;
  gateway_metrics& operator=(const gateway_metrics&) = delete;

  // One upstream call of `model` for `route` ("" for a provider:model
  // request); `outcome` is to_string(outcome_class), or "deadline" for a
  // call cut by the request's deadline.
  void called(const model_key& model, const std::string& route, std::string_view outcome,
              const upstream_reply& reply);
  // An answer made of one upstream call: the time from the request read to
  // the answer handed to the HTTP server, less the call's own latency.
  void added(double seconds);
  // A request refused before any call: `reason` is one of
  // "rate_limit_requests", "rate_limit_tokens", "budget".
  void refused(std::string_view reason);
  // A request the shared ledger did not answer in time for, decided by
  // this instance's own budgets and limits.
  void ledger_fallback();
  // Settlements the shared ledger could not deliver (their reservations
  // lapse at their deadlines; their costs are missing from its totals).
  void ledger_settlements_lost(unsigned long long count);

  const prometheus::Registry& registry() const { return *registry_; }

 private:
  struct series;
  series& series_of(const model_key& model, const std::string& route, std::string_view outcome);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Histogram>& tokens_;
  prometheus::Family<prometheus::Histogram>& ttft_;
  prometheus::Family<prometheus::Histogram>& per_output_token_;
  prometheus::Histogram& added_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Counter& ledger_fallbacks_;
  prometheus::Counter& ledger_lost_settlements_;
  std::unordered_map<std::string, std::unique_ptr<series>> series_;  // by model, route, outcome
};

}  // namespace llmopt
