#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/live_window.hpp"
#include "decision/quality_posterior.hpp"
#include "decision/signal.hpp"

namespace llmopt {

struct aggregator_options {
  time_ms window_ms = 60'000;              // live window of latency, outcome and cost samples
  int window_buckets = 12;                 // ... kept as this many time buckets
  time_ms recent_ms = 10'000;              // the newest calls, where a change shows first
  time_ms anomaly_ttl_ms = 600'000;        // an anomaly never resolved expires after this
  double quality_prior_strength = 2;       // pseudo-observations behind the quality prior
  time_ms quality_half_life_ms = 600'000;  // feedback counts half after this; 0 = forever
  quality_change_test quality_change;      // tells a change of the good rate from feedback
  double quality_kept_on_drift = 0.1;      // what a quality drift leaves of the feedback before it
};

// What raised a flag: a Sentinel anomaly, a LatencyLens anomaly, or a drift.
using flag_type = std::variant<anomaly_type, latency_anomaly_type, drift_type>;

// Its wire name ("availability_issue", "spike", "quality_drift"): the three
// vocabularies share no name, so parse_flag_type tells them apart; nullopt
// for any other name.
std::string_view to_string(const flag_type& t);
std::optional<flag_type> parse_flag_type(std::string_view s);

// An anomaly or drift in force on a model.
struct active_flag {
  std::string id;  // the upstream's anomaly or drift id
  flag_type type;
  severity level = severity::low;
  double magnitude = 0;  // drift magnitude x confidence; 0 for anomalies
  time_ms since = 0;
  time_ms until = 0;        // expiry unless resolved earlier
  std::string description;  // describe() of the signal that raised it
};

// A policy that keeps a model off a route.
struct policy_hold {
  std::string policy_id;
  std::string description;  // describe() of the blocking signal
};

// Calls and how many of them failed.
struct call_evidence {
  long long calls = 0;
  long long errors = 0;

  double rate() const {
    return calls == 0 ? 0.0 : static_cast<double>(errors) / static_cast<double>(calls);
  }
  // With a prior of 0.1 errors in 5 calls (2%), so a few lucky calls do not
  // make a model look perfect and one error does not sink it.
  double error_probability() const {
    return (static_cast<double>(errors) + 0.1) / (static_cast<double>(calls) + 5);
  }
};

// A model's statistics as seen at one moment: what the decision engine reads.
struct model_view {
  model_key model;

  // Latency over the live window (own call outcomes, cost telemetry, spans).
  long long latency_samples = 0;
  std::optional<double> p50_ms;
  std::optional<double> p95_ms;
  std::optional<double> mean_latency_ms;
  // One call's spread about the mean: from the histogram's bins, and no
  // less than 5% of the mean (bins are 10% wide).
  double latency_sd_ms = 0;
  // ... and over its newest recent_ms, where a change of latency shows first.
  long long recent_latency_samples = 0;
  std::optional<double> recent_mean_latency_ms;
  // The newest upstream LatencyProfile, if any, and when it was made.
  std::optional<latency_profile> profile;
  time_ms profile_at = 0;

  // Time to first token over the live window, from the router's streamed
  // calls (no upstream signal reports it per call), with its spread as for
  // latency, and over the newest recent_ms.
  long long ttft_samples = 0;
  std::optional<double> mean_ttft_ms;
  std::optional<double> p50_ttft_ms;
  std::optional<double> p95_ttft_ms;
  double ttft_sd_ms = 0;
  long long recent_ttft_samples = 0;
  std::optional<double> recent_mean_ttft_ms;
  // Means over the streamed calls of the live window that measured them:
  // each call's mean gap between tokens, and its output tokens/s.
  std::optional<double> mean_inter_token_ms;
  std::optional<double> mean_output_tokens_per_s;

  // Outcomes over the live window, and over its newest recent_ms.
  long long calls = 0;
  long long errors = 0;
  long long recent_calls = 0;
  long long recent_errors = 0;
  // Calls that failed in a row up to the newest, and when the newest failed:
  // an outage shows here within a few calls, long before it moves the
  // window's error rate.
  long long failure_streak = 0;
  time_ms last_failure_at = 0;

  // Cost per request over the live window, from cost telemetry and calls,
  // and the tokens of those same requests.
  long long cost_samples = 0;
  std::optional<double> cost_per_request;
  std::optional<double> mean_input_tokens;
  std::optional<double> mean_output_tokens;

  // The newest bill: cost telemetry, or a call whose provider reported what
  // it cost. A price change shows here first, so it is believed over the
  // list price.
  struct billed_request {
    double cost_usd = 0;
    long long input_tokens = 0;
    long long output_tokens = 0;
    time_ms at = 0;
  };
  std::optional<billed_request> last_billed;

  quality_posterior quality;                               // all routes
  std::map<std::string, quality_posterior> route_quality;  // feedback that named a route

  std::vector<active_flag> anomalies;
  std::vector<active_flag> drifts;
  // Routes this model is blocked from by policy ("" = every route).
  std::map<std::string, policy_hold> blocked_routes;

  // Since the aggregator began (carried across restarts by checkpoints).
  struct lifetime_totals {
    long long signals = 0;
    long long calls = 0;
    long long errors = 0;
    long long priced = 0;  // requests with a cost
    double cost_usd = 0;
    double input_tokens = 0;
    double output_tokens = 0;
  } lifetime;

  double error_rate() const { return call_evidence{calls, errors}.rate(); }
  // The blocking policy for `route`, or nullptr when the model may serve it.
  const policy_hold* block_for(const std::string& route) const;
};

// A model's view as GET /admin/v1/models shows it: the live window (calls,
// errors, latency, time to first token, cost), the lifetime totals, quality,
// and how many anomalies, drifts and route blocks are in force. An unknown
// figure is null.
void to_json(nlohmann::json& j, const model_view& v);

// Everything the aggregator keeps for one model. Owned by the aggregator.
class model_stats {
 public:
  model_stats(model_key model, const aggregator_options& options, double quality_prior);

  void apply(const typed_signal& s, time_ms now);
  model_view view(time_ms now);

  // The whole state as JSON, for checkpoints; restore() replaces it.
  void save(nlohmann::json& out) const;
  status restore(const nlohmann::json& in);

 private:
  void add_outcome(time_ms now, const call_outcome& c);
  void add_cost(time_ms now, double cost_usd, long long input_tokens, long long output_tokens);
  void add_latency(time_ms now, double latency_ms);
  void add_stream_timing(time_ms now, const call_outcome& c);
  // Puts `flag` in force in place of one with its id; whether none had it.
  static bool raise(std::vector<active_flag>& flags, active_flag flag);
  void expire(time_ms now);
  void forget(time_ms now);

  aggregator_options options_;
  quality_posterior quality_prior_;
  model_view base_;  // the fields that are not windows
  live_window window_;
};

}  // namespace llmopt
