// observatory — topic llm.signals.observatory.
//
// TelemetryTrace span → call_outcome. Kind: traceId and spanId, or spanId
// without eventId. The signal id is "traceId/spanId".
//   Required: traceId, spanId, status (ok, error, timeout; OpenTelemetry's
//   unset reads as ok), a latency: durationMs (>= 0), else startTime and
//   endTime (endTime >= startTime), and a time: endTime, else startTime +
//   latency, else the envelope time.
//   Optional: parentSpanId, operationName, serviceName, errorMessage,
//   resource {modelId, provider, version, environment}, attributes (flat
//   map): gen_ai.request.model, gen_ai.system (model and provider when
//   resource has none), gen_ai.usage.input_tokens / output_tokens (counts,
//   default 0), llmopt.route. A span naming no model has an empty model key
//   (not every span is an LLM call); cost_usd stays unknown.
//
// StructuredEvent → quality_feedback or structured_event. Kind: eventId.
//   Required: eventId (or envelope id), timestamp (or envelope time), type
//   (one of the spec's event types).
//   Optional: category, severity, message, source, correlationId, traceId,
//   modelId, provider (model key when modelId is present), data (object).
//   Type custom or request.complete with data.quality ([0, 1]), else
//   data.rating ([1, 5], becomes (rating - 1) / 4), else data.liked (bool,
//   1 or 0) is quality feedback for data.route (optional); any other event
//   is a structured_event.

#include <cmath>

#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/upstream_adapter.hpp"

namespace llmopt {
namespace {

// StructuredEvent.type, as spec/signals.md lists it.
// clang-format off
constexpr std::string_view event_types[] = {
    "request.start", "request.complete", "request.error", "model.switch", "model.fallback",
    "cache.hit", "cache.miss", "rate_limit.warning", "rate_limit.exceeded", "token.usage",
    "cost.recorded", "latency.threshold", "error.retry", "error.final",
    "optimization.triggered", "config.changed", "custom"};
// clang-format on

std::optional<std::string_view> parse_event_type(std::string_view s) {
  for (auto type : event_types)
    if (type == s) return type;
  return std::nullopt;
}

std::optional<call_status> parse_span_status(std::string_view s) {
  if (s == "unset") return call_status::ok;
  return parse_call_status(s);
}

// The latency of a span and the time of its outcome.
void read_span_timing(field_reader& r, const envelope_defaults& env, typed_signal& s,
                      call_outcome& c) {
  auto start = r.optional_time("startTime");
  auto end = r.optional_time("endTime");
  auto duration = r.optional_number("durationMs", number_domain::duration_ms);
  if (r.failed()) return;
  if (duration) {
    c.latency_ms = *duration;
  } else if (start && end) {
    if (*end < *start) return r.fail(dead_letter::out_of_range, "endTime", "before startTime");
    if (static_cast<double>(*end - *start) > max_duration_ms)
      return r.fail(dead_letter::out_of_range, "endTime", "more than a day after startTime");
    c.latency_ms = static_cast<double>(*end - *start);
  } else {
    return r.fail(dead_letter::missing_field, "durationMs", "missing, and no startTime/endTime");
  }
  if (end) {
    s.at = *end;
  } else if (start) {
    s.at = *start + static_cast<time_ms>(std::llround(std::fmin(c.latency_ms, 1e15)));
  } else if (env.time) {
    s.at = *env.time;
  } else {
    r.fail(dead_letter::missing_field, "endTime", "missing, and no startTime");
  }
}

typed_signal read_span(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  std::string_view trace_id = r.text("traceId");
  std::string_view span_id = r.text("spanId");
  s.id.reserve(trace_id.size() + 1 + span_id.size());
  s.id.append(trace_id).append(1, '/').append(span_id);
  r.optional_text("parentSpanId");
  r.optional_text("operationName");
  r.optional_text("serviceName");
  call_outcome c;
  read_span_timing(r, env, s, c);
  c.status = r.enumeration("status", parse_span_status);
  r.optional_text("errorMessage");
  std::string_view model_id, provider;
  if (auto resource = r.object("resource")) {
    model_id = resource->optional_text("modelId");
    provider = resource->optional_text("provider");
  }
  if (auto attributes = r.object("attributes")) {
    if (model_id.empty()) model_id = attributes->optional_text("gen_ai.request.model");
    if (provider.empty()) provider = attributes->optional_text("gen_ai.system");
    c.input_tokens = attributes->optional_count("gen_ai.usage.input_tokens").value_or(0);
    c.output_tokens = attributes->optional_count("gen_ai.usage.output_tokens").value_or(0);
    c.route = attributes->optional_text("llmopt.route");
  }
  if (!model_id.empty()) s.model = make_model_key(provider, model_id);
  s.body = std::move(c);
  return s;
}

// quality / rating / liked from `data`, normalised to [0, 1]; nullopt if
// `data` holds none of them.
std::optional<double> read_quality(field_reader& data) {
  if (data.has("quality")) return data.number("quality", number_domain::unit_interval);
  if (data.has("rating")) return (data.number("rating", number_domain::rating) - 1) / 4;
  if (auto liked = data.optional_flag("liked")) return *liked ? 1.0 : 0.0;
  return std::nullopt;
}

typed_signal read_structured_event(field_reader& r, const envelope_defaults& env) {
  typed_signal s;
  s.id = read_signal_id(r, "eventId", env);
  s.at = read_signal_time(r, "timestamp", env);
  std::string_view type = r.enumeration("type", parse_event_type);
  std::string_view category = r.optional_text("category");
  for (auto name : {"severity", "message", "source", "correlationId", "traceId"})
    r.optional_text(name);
  s.model = read_model_key(r, model_presence::optional);
  auto data = r.object("data");
  if (data && (type == "custom" || type == "request.complete")) {
    if (auto quality = read_quality(*data)) {
      s.body = quality_feedback{std::string(data->optional_text("route")), *quality};
      return s;
    }
  }
  s.body = structured_event{std::string(type), std::string(category)};
  return s;
}

}  // namespace

typed_signal read_observatory_signal(field_reader& r, const envelope_defaults& env) {
  bool span = r.has("spanId");
  if (span && r.has("traceId")) return read_span(r, env);
  if (r.has("eventId")) return read_structured_event(r, env);
  if (span) return read_span(r, env);
  fail_unknown_kind(r, "observatory", "traceId/spanId or eventId");
  return {};
}

}  // namespace llmopt
