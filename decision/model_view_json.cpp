// to_json(model_view): what GET /admin/v1/models shows of one model.

#include <nlohmann/json.hpp>

#include "decision/model_stats.hpp"

namespace llmopt {
namespace {

nlohmann::json or_null(const std::optional<double>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json();
}

}  // namespace

void to_json(nlohmann::json& j, const model_view& v) {
  const auto& life = v.lifetime;
  j = {{"window",
        {{"calls", v.calls},
         {"errors", v.errors},
         {"error_rate", v.error_rate()},
         {"latency_samples", v.latency_samples},
         {"p50_ms", or_null(v.p50_ms)},
         {"p95_ms", or_null(v.p95_ms)},
         {"mean_latency_ms", or_null(v.mean_latency_ms)},
         {"ttft_samples", v.ttft_samples},
         {"mean_ttft_ms", or_null(v.mean_ttft_ms)},
         {"p50_ttft_ms", or_null(v.p50_ttft_ms)},
         {"p95_ttft_ms", or_null(v.p95_ttft_ms)},
         {"mean_inter_token_ms", or_null(v.mean_inter_token_ms)},
         {"mean_output_tokens_per_s", or_null(v.mean_output_tokens_per_s)},
         {"cost_per_request_usd", or_null(v.cost_per_request)}}},
       {"lifetime",
        {{"signals", life.signals},
         {"calls", life.calls},
         {"errors", life.errors},
         {"priced", life.priced},
         {"cost_usd", life.cost_usd},
         {"input_tokens", life.input_tokens},
         {"output_tokens", life.output_tokens}}},
       {"quality", {{"mean", v.quality.mean()}, {"samples", v.quality.samples}}},
       {"anomalies", v.anomalies.size()},
       {"drifts", v.drifts.size()},
       {"blocked_routes", v.blocked_routes.size()}};
}

}  // namespace llmopt
