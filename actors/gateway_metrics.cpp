#include "actors/gateway_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace llmopt {

namespace {

using prometheus::Histogram;

// Bucket boundaries as OpenTelemetry's GenAI conventions advise.
const Histogram::BucketBoundaries duration_buckets = {
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const Histogram::BucketBoundaries token_buckets = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
const Histogram::BucketBoundaries ttft_buckets = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
const Histogram::BucketBoundaries per_output_token_buckets = {
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};
// What a gateway adds is tens of microseconds to milliseconds.
const Histogram::BucketBoundaries added_buckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1};

}  // namespace

struct gateway_metrics::series {
  Histogram& duration;
  Histogram& input_tokens;
  Histogram& output_tokens;
  // Streamed calls only: made at the first one, so that calls never
  // streamed show no empty series.
  Histogram* ttft = nullptr;
  Histogram* per_output_token = nullptr;
  prometheus::Labels labels;
};

gateway_metrics::gateway_metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      duration_(prometheus::BuildHistogram()
                    .Name("gen_ai_client_operation_duration_seconds")
                    .Help("Duration of an upstream LLM call, to the end of its answer or stream")
                    .Register(*registry_)),
      tokens_(prometheus::BuildHistogram()
                  .Name("gen_ai_client_token_usage")
                  .Help("Tokens of an upstream LLM call, by gen_ai_token_type (input, output), "
                        "as the provider reported them")
                  .Register(*registry_)),
      ttft_(prometheus::BuildHistogram()
                .Name("gen_ai_server_time_to_first_token_seconds")
                .Help("Time from the start of a streamed call to its first token")
                .Register(*registry_)),
      per_output_token_(prometheus::BuildHistogram()
                            .Name("gen_ai_server_time_per_output_token_seconds")
                            .Help("Time per output token of a streamed call, after the first")
                            .Register(*registry_)),
      added_(prometheus::BuildHistogram()
                 .Name("llmopt_gateway_added_seconds")
                 .Help("What llmopt added to an answer made of one upstream call: from the "
                       "request read to the answer handed to the HTTP server, less the call")
                 .Register(*registry_)
                 .Add({}, added_buckets)),
      refused_(prometheus::BuildCounter()
                   .Name("llmopt_requests_refused_total")
                   .Help("Requests refused before any upstream call, by reason "
                         "(rate_limit_requests, rate_limit_tokens, budget)")
                   .Register(*registry_)),
      ledger_fallbacks_(prometheus::BuildCounter()
                            .Name("llmopt_shared_ledger_fallbacks_total")
                            .Help("Requests decided by this instance's own budgets and key "
                                  "limits because the shared ledger (budgets.redis) did not "
                                  "answer in time")
                            .Register(*registry_)
                            .Add({})),
      ledger_lost_settlements_(prometheus::BuildCounter()
                                   .Name("llmopt_shared_ledger_lost_settlements_total")
                                   .Help("Billed costs that never reached the shared ledger "
                                         "(budgets.redis): Redis down, or its queue full")
                                   .Register(*registry_)
                                   .Add({})) {}

gateway_metrics::~gateway_metrics() = default;

gateway_metrics::series& gateway_metrics::series_of(const model_key& model,
                                                     const std::string& route,
                                                     std::string_view outcome) {
  std::string key;
  key.reserve(model.size() + route.size() + outcome.size() + 2);
  key.append(model).append(1, '\n').append(route).append(1, '\n').append(outcome);
  auto it = series_.find(key);
  if (it != series_.end()) return *it->second;
  const prometheus::Labels labels{{"gen_ai_operation_name", "chat"},
                                  {"gen_ai_provider_name", std::string(provider_of(model))},
                                  {"gen_ai_request_model", std::string(model_name_of(model))},
                                  {"route", route},
                                  {"outcome", std::string(outcome)}};
  auto with = [&labels](std::initializer_list<std::pair<const std::string, std::string>> more) {
    auto l = labels;
    l.insert(more);
    return l;
  };
  auto s = std::unique_ptr<series>(new series{
      duration_.Add(labels, duration_buckets),
      tokens_.Add(with({{"gen_ai_token_type", "input"}}), token_buckets),
      tokens_.Add(with({{"gen_ai_token_type", "output"}}), token_buckets),
      nullptr,
      nullptr,
      labels,
  });
  return *series_.emplace(std::move(key), std::move(s)).first->second;
}

void gateway_metrics::called(const model_key& model, const std::string& route,
                             std::string_view outcome, const upstream_reply& reply) {
  auto& s = series_of(model, route, outcome);
  s.duration.Observe(reply.latency_ms / 1000.0);
  if (reply.usage.reported) {
    s.input_tokens.Observe(static_cast<double>(reply.usage.input_tokens));
    s.output_tokens.Observe(static_cast<double>(reply.usage.output_tokens));
  }
  if (reply.ttft_ms) {
    if (!s.ttft) s.ttft = &ttft_.Add(s.labels, ttft_buckets);
    s.ttft->Observe(*reply.ttft_ms / 1000.0);
  }
  if (reply.output_tokens_per_s && *reply.output_tokens_per_s > 0) {
    if (!s.per_output_token) s.per_output_token = &per_output_token_.Add(s.labels, per_output_token_buckets);
    s.per_output_token->Observe(1.0 / *reply.output_tokens_per_s);
  }
}

void gateway_metrics::added(double seconds) {
  added_.Observe(seconds);
}

void gateway_metrics::refused(std::string_view reason) {
  refused_.Add({{"reason", std::string(reason)}}).Increment();
}

void gateway_metrics::ledger_fallback() {
  ledger_fallbacks_.Increment();
}

void gateway_metrics::ledger_settlements_lost(unsigned long long count) {
  ledger_lost_settlements_.Increment(static_cast<double>(count));
}

}  // namespace llmopt
