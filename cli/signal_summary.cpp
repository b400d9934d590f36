#include "cli/signal_summary.hpp"

#include <cstdio>

namespace llmopt {
namespace {

// %g: the fewest digits for figures read from JSON (0.00436, 1432.5, 512).
std::string figure(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", x);
  return buffer;
}

std::string tokens(long long input, long long output) {
  return std::to_string(input) + " + " + std::to_string(output) + " tokens";
}

// ", route R" when `route` is set; "" otherwise.
std::string on_route(const std::string& route) {
  return route.empty() ? std::string{} : ", route " + route;
}

std::string summary_of(const cost_sample& c) {
  std::string out = tokens(c.input_tokens, c.output_tokens) + ", $" + figure(c.cost_usd);
  if (c.latency_ms) out += ", " + figure(*c.latency_ms) + " ms";
  return out + on_route(c.route);
}

std::string summary_of(const latency_profile& p) {
  std::string out = "p50 " + figure(p.p50_ms) + " ms, p95 " + figure(p.p95_ms) + " ms, p99 " +
                    figure(p.p99_ms) + " ms over " + std::to_string(p.sample_count) + " samples";
  if (p.ttft_ms) out += ", ttft " + figure(*p.ttft_ms) + " ms";
  return out;
}

std::string summary_of(const latency_anomaly& a) {
  return std::string(to_string(a.type)) + ", " + std::string(to_string(a.level)) + ": " +
         figure(a.observed_value) + " against " + figure(a.baseline_value) + " (" +
         figure(a.deviation_percent) + "%)";
}

std::string summary_of(const anomaly_event& a) {
  return std::string(to_string(a.type)) + ", " + std::string(to_string(a.level)) +
         (a.active ? ", active" : ", resolved");
}

std::string summary_of(const drift_signal& d) {
  return std::string(to_string(d.type)) + ", magnitude " + figure(d.magnitude) + ", p " +
         figure(d.p_value) + ", confidence " + figure(d.confidence);
}

std::string summary_of(const policy_block& p) {
  return std::string(to_string(p.action)) + " by policy " + p.policy_id + " (" +
         std::string(to_string(p.reason)) + ", " + std::string(to_string(p.level)) + ")" +
         on_route(p.route);
}

std::string summary_of(const pii_detection& p) {
  std::string out = std::string(to_string(p.direction)) + ", " + std::string(to_string(p.action)) +
                    ", risk " + figure(p.risk_score);
  for (std::size_t i = 0; i < p.pii_types.size(); ++i)
    out += (i == 0 ? ", types " : ",") + p.pii_types[i];
  return out;
}

std::string summary_of(const call_outcome& c) {
  return std::string(to_string(c.status)) + " in " + figure(c.latency_ms) + " ms, " +
         tokens(c.input_tokens, c.output_tokens) + on_route(c.route);
}

std::string summary_of(const quality_feedback& q) {
  return "quality " + figure(q.quality) + on_route(q.route);
}

std::string summary_of(const structured_event& e) {
  return e.category.empty() ? e.type : e.type + " (" + e.category + ")";
}

}  // namespace

std::string summarize(const signal_body& body) {
  return std::visit([](const auto& b) { return summary_of(b); }, body);
}

}  // namespace llmopt
