#include "tests/fuzz/signal_invariants.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "adapters/signals/dead_letter.hpp"
#include "adapters/signals/timestamp.hpp"

namespace llmopt::fuzz {
namespace {

// -- reporting ------------------------------------------------------------------

[[noreturn]] void broken(const char* invariant, int line, const parse_call& call) {
  const parse_limits& limits = call.parser.limits();
  std::fprintf(stderr,
               "signal_parser_fuzz: invariant broken: %s (signal_invariants.cpp:%d)\n"
               "  topic %.*s, limits {%zu bytes, depth %zu}, %zu input bytes\n"
               "  result: %s\n",
               invariant, line, static_cast<int>(to_string(call.topic).size()),
               to_string(call.topic).data(), limits.max_message_bytes, limits.max_depth,
               call.bytes.size(), fingerprint(call.parsed).c_str());
  __builtin_trap();
}

#define FUZZ_CHECK(cond, call)                  \
  do {                                          \
    if (!(cond)) broken(#cond, __LINE__, call); \
  } while (false)

// -- domains --------------------------------------------------------------------

bool non_negative(double v) {
  return std::isfinite(v) && v >= 0;
}
bool unit(double v) {
  return std::isfinite(v) && v >= 0 && v <= 1;
}
bool opt_non_negative(const std::optional<double>& v) {
  return !v || non_negative(*v);
}
bool opt_within(const std::optional<double>& v, double max) {
  return !v || (non_negative(*v) && *v <= max);
}
template <class E>
bool within(E value, E last) {
  return static_cast<int>(value) >= 0 && static_cast<int>(value) <= static_cast<int>(last);
}

// The range of times the accepted timestamp forms yield: RFC 3339 from
// 0000-01-01T00:00:00+23:59 to 9999-12-31T23:59:60.999-23:59; epoch
// milliseconds within [0, max_epoch_ms]. A span without endTime is
// startTime plus its latency, which the adapter caps at 1e15 ms.
constexpr time_ms minute_ms = 60'000;
constexpr time_ms day_ms = 86'400'000;
constexpr time_ms earliest_time = days_from_civil(0, 1, 1) * day_ms - (24 * 60 - 1) * minute_ms;
constexpr time_ms latest_time =
    (days_from_civil(9999, 12, 31) + 1) * day_ms + 1'999 + (24 * 60 - 1) * minute_ms;
constexpr time_ms latest_span_time = latest_time + 1'000'000'000'000'000;
static_assert(latest_time > max_epoch_ms);

// -- fingerprint ----------------------------------------------------------------

void add(std::string& out, std::string_view name, std::string_view value) {
  out.append(" ").append(name).append("=\"").append(value).append("\"");
}
void add(std::string& out, std::string_view name, long long value) {
  out.append(" ").append(name).append("=").append(std::to_string(value));
}
void add(std::string& out, std::string_view name, double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%a", value);
  out.append(" ").append(name).append("=").append(buffer);
}
void add(std::string& out, std::string_view name, bool value) {
  out.append(" ").append(name).append(value ? "=true" : "=false");
}
void add(std::string& out, std::string_view name, const std::optional<double>& value) {
  if (value) add(out, name, *value);
}
void add(std::string& out, std::string_view name, const std::vector<std::string>& values) {
  for (const auto& v : values)
    add(out, name, std::string_view{v});
}

struct body_printer {
  std::string& out;

  void operator()(const cost_sample& b) {
    add(out, "in", b.input_tokens);
    add(out, "out", b.output_tokens);
    add(out, "usd", b.cost_usd);
    add(out, "ms", b.latency_ms);
    add(out, "route", b.route);
    add(out, "tenant", b.tenant);
  }
  void operator()(const latency_profile& b) {
    add(out, "p50", b.p50_ms);
    add(out, "p90", b.p90_ms);
    add(out, "p95", b.p95_ms);
    add(out, "p99", b.p99_ms);
    add(out, "mean", b.mean_ms);
    add(out, "sd", b.std_dev_ms);
    add(out, "n", b.sample_count);
    add(out, "ttft", b.ttft_ms);
    add(out, "tps", b.tokens_per_second);
  }
  void operator()(const latency_anomaly& b) {
    add(out, "type", to_string(b.type));
    add(out, "severity", to_string(b.level));
    add(out, "observed", b.observed_value);
    add(out, "baseline", b.baseline_value);
    add(out, "deviation", b.deviation_percent);
  }
  void operator()(const anomaly_event& b) {
    add(out, "anomaly", b.anomaly_id);
    add(out, "type", to_string(b.type));
    add(out, "severity", to_string(b.level));
    add(out, "metric", b.metric);
    add(out, "observed", b.observed_value);
    add(out, "expected", b.expected_value);
    add(out, "threshold", b.threshold);
    add(out, "deviation", b.deviation_percent);
    add(out, "active", b.active);
  }
  void operator()(const drift_signal& b) {
    add(out, "type", to_string(b.type));
    add(out, "magnitude", b.magnitude);
    add(out, "p", b.p_value);
    add(out, "confidence", b.confidence);
    add(out, "observed_from", static_cast<long long>(b.observed_from));
    add(out, "metric", b.affected_metrics);
    add(out, "recommendation", b.recommendation);
  }
  void operator()(const policy_block& b) {
    add(out, "policy", b.policy_id);
    add(out, "name", b.policy_name);
    add(out, "reason", to_string(b.reason));
    add(out, "severity", to_string(b.level));
    add(out, "action", to_string(b.action));
    add(out, "route", b.route);
  }
  void operator()(const pii_detection& b) {
    add(out, "direction", to_string(b.direction));
    add(out, "pii", b.pii_types);
    add(out, "action", to_string(b.action));
    add(out, "modified", b.content_modified);
    add(out, "risk", b.risk_score);
  }
  void operator()(const call_outcome& b) {
    add(out, "route", b.route);
    add(out, "status", to_string(b.status));
    add(out, "ms", b.latency_ms);
    add(out, "in", b.input_tokens);
    add(out, "out", b.output_tokens);
    add(out, "usd", b.cost_usd);
    add(out, "billed", b.billed_usd);
    add(out, "ttft", b.ttft_ms);
    add(out, "gap", b.inter_token_ms);
    add(out, "tps", b.output_tokens_per_s);
  }
  void operator()(const quality_feedback& b) {
    add(out, "route", b.route);
    add(out, "quality", b.quality);
  }
  void operator()(const structured_event& b) {
    add(out, "type", b.type);
    add(out, "category", b.category);
  }
};

// -- invariants of a signal -----------------------------------------------------

// Kinds whose adapters read the model through read_model_key(required):
// "provider:model". (anomaly_event may also come from Sentinel's alert
// layout, whose model may stay bare.)
bool needs_qualified_model(signal_kind kind) {
  switch (kind) {
    case signal_kind::cost:
    case signal_kind::latency_profile:
    case signal_kind::latency_anomaly:
    case signal_kind::drift:
    case signal_kind::policy_block:
    case signal_kind::pii_detection:
      return true;
    default:
      return false;
  }
}

struct body_checker {
  const parse_call& call;

  void operator()(const cost_sample& b) const {
    FUZZ_CHECK(b.input_tokens >= 0 && b.output_tokens >= 0, call);
    FUZZ_CHECK(non_negative(b.cost_usd) && opt_non_negative(b.latency_ms), call);
  }
  void operator()(const latency_profile& b) const {
    for (double ms : {b.p50_ms, b.p90_ms, b.p95_ms, b.p99_ms, b.mean_ms, b.std_dev_ms})
      FUZZ_CHECK(non_negative(ms), call);
    FUZZ_CHECK(b.sample_count >= 0, call);
    FUZZ_CHECK(opt_non_negative(b.ttft_ms) && opt_non_negative(b.tokens_per_second), call);
  }
  void operator()(const latency_anomaly& b) const {
    FUZZ_CHECK(within(b.type, latency_anomaly_type::variance_change), call);
    FUZZ_CHECK(within(b.level, severity::critical), call);
    FUZZ_CHECK(non_negative(b.observed_value) && non_negative(b.baseline_value), call);
    FUZZ_CHECK(std::isfinite(b.deviation_percent), call);
  }
  void operator()(const anomaly_event& b) const {
    FUZZ_CHECK(!b.anomaly_id.empty(), call);
    FUZZ_CHECK(within(b.type, anomaly_type::custom) && within(b.level, severity::critical), call);
    for (double v : {b.observed_value, b.expected_value, b.threshold, b.deviation_percent})
      FUZZ_CHECK(std::isfinite(v), call);
  }
  void operator()(const drift_signal& b) const {
    FUZZ_CHECK(within(b.type, drift_type::concept_drift), call);
    FUZZ_CHECK(unit(b.magnitude) && unit(b.p_value) && unit(b.confidence), call);
    FUZZ_CHECK(b.observed_from == 0 ||
                   (b.observed_from >= earliest_time && b.observed_from <= latest_time),
               call);
  }
  void operator()(const policy_block& b) const {
    FUZZ_CHECK(!b.policy_id.empty(), call);
    FUZZ_CHECK(within(b.reason, policy_reason::custom_rule), call);
    FUZZ_CHECK(within(b.level, severity::critical), call);
    FUZZ_CHECK(within(b.action, policy_action::modify), call);
  }
  void operator()(const pii_detection& b) const {
    FUZZ_CHECK(within(b.direction, pii_direction::output), call);
    FUZZ_CHECK(within(b.action, pii_action::log), call);
    FUZZ_CHECK(unit(b.risk_score), call);
  }
  void operator()(const call_outcome& b) const {
    FUZZ_CHECK(within(b.status, call_status::timeout), call);
    FUZZ_CHECK(non_negative(b.latency_ms), call);
    FUZZ_CHECK(b.input_tokens >= 0 && b.output_tokens >= 0, call);
    // A span carries no pricing nor stream timings (the span adapter reads
    // none: a value from an invented field would be weighed by routes); a
    // call from the calls topic may carry each, within its bounds.
    FUZZ_CHECK(opt_non_negative(b.cost_usd) && opt_non_negative(b.billed_usd), call);
    FUZZ_CHECK(opt_within(b.ttft_ms, max_call_duration_ms) &&
                   opt_within(b.inter_token_ms, max_call_duration_ms) &&
                   opt_within(b.output_tokens_per_s, max_output_tokens_per_s),
               call);
  }
  void operator()(const quality_feedback& b) const { FUZZ_CHECK(unit(b.quality), call); }
  void operator()(const structured_event& b) const { FUZZ_CHECK(!b.type.empty(), call); }
};

void check_signal(const parse_call& call) {
  const typed_signal& s = *call.parsed;
  FUZZ_CHECK(!s.id.empty(), call);
  signal_kind kind = s.kind();
  if (kind == signal_kind::anomaly) FUZZ_CHECK(!s.model.empty(), call);
  if (needs_qualified_model(kind))
    FUZZ_CHECK(!s.model.empty() && s.model.find(':') != std::string::npos, call);
  if (kind == signal_kind::anomaly)
    FUZZ_CHECK(std::get<anomaly_event>(s.body).anomaly_id == s.id, call);
  if (kind == signal_kind::call_outcome)
    FUZZ_CHECK(s.at >= earliest_time && s.at <= latest_span_time, call);
  else
    FUZZ_CHECK(s.at >= earliest_time && s.at <= latest_time, call);
  std::visit(body_checker{call}, s.body);
  // What the decision actor does with every signal must not trip either.
  FUZZ_CHECK(!describe(s).empty(), call);
  (void)is_urgent(s);
}

// -- invariants of an error -----------------------------------------------------

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

void check_error(const parse_call& call) {
  const error& e = call.parsed.err();
  const auto& reasons = dead_letter::all_reasons;
  FUZZ_CHECK(std::find(reasons.begin(), reasons.end(), e.code) != reasons.end(), call);
  FUZZ_CHECK(!e.detail.empty(), call);
  // Details echo untrusted input "bounded and escaped" (error_detail.hpp):
  // they go into a Kafka header and log lines.
  FUZZ_CHECK(e.detail.size() <= 512 && printable_ascii(e.detail), call);
}

bool failed_with(const result<typed_signal>& parsed, std::string_view code) {
  return !parsed.ok() && parsed.err().code == code;
}

}  // namespace

// -- public ---------------------------------------------------------------------

void check_result(const parse_call& call) {
  const parse_limits& limits = call.parser.limits();
  FUZZ_CHECK(limits.max_depth >= 1, call);
  bool too_large = call.bytes.size() > limits.max_message_bytes;
  FUZZ_CHECK(failed_with(call.parsed, dead_letter::too_large) == too_large, call);
  if (call.parsed.ok())
    check_signal(call);
  else
    check_error(call);
  // simdjson accepted the text (it got past not_json): within max_depth.
  if (!too_large && !failed_with(call.parsed, dead_letter::not_json))
    FUZZ_CHECK(nesting_depth(call.bytes) <= limits.max_depth, call);
}

void check_same_unless_limited(const parse_call& limited, const parse_call& reference) {
  std::size_t size = limited.bytes.size();
  if (size > limited.parser.limits().max_message_bytes ||
      size > reference.parser.limits().max_message_bytes)
    return;  // too_large; check_result checked that
  bool limited_json = !failed_with(limited.parsed, dead_letter::not_json);
  bool reference_json = !failed_with(reference.parsed, dead_letter::not_json);
  if (!limited_json && !reference_json) return;  // invalid, or too deep for both
  // One of them accepted the text, so it is valid JSON and only depth can
  // make the other reject it.
  std::size_t depth = nesting_depth(limited.bytes);
  bool limited_deep = depth > limited.parser.limits().max_depth;
  bool reference_deep = depth > reference.parser.limits().max_depth;
  FUZZ_CHECK(limited_json || limited_deep, limited);
  FUZZ_CHECK(reference_json || reference_deep, reference);
  if (!limited_deep && !reference_deep)
    FUZZ_CHECK(fingerprint(limited.parsed) == fingerprint(reference.parsed), limited);
}

std::size_t nesting_depth(std::string_view json) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::size_t depth = 0, deepest = 1;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      std::size_t next = i + 1;
      while (next < json.size() && is_space(json[next]))
        ++next;
      if (next < json.size() && json[next] == (c == '[' ? ']' : '}')) {
        i = next;  // empty: no deeper than its parent
      } else {
        deepest = std::max(deepest, ++depth);
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::string fingerprint(const result<typed_signal>& parsed) {
  if (!parsed.ok()) return "error " + parsed.err().code + ": " + parsed.err().detail;
  const typed_signal& s = *parsed;
  std::string out{to_string(s.kind())};
  add(out, "id", s.id);
  add(out, "at", s.at);
  add(out, "model", s.model);
  std::visit(body_printer{out}, s.body);
  return out;
}

}  // namespace llmopt::fuzz
