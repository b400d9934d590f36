#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "decision/model_spec.hpp"
#include "decision/route.hpp"
#include "decision/world_model.hpp"

namespace llmopt {

// The typed configuration of one llmopt process. Every field's default,
// bounds and documentation are declared once, in config/schema.cpp; the
// structs here carry values only.

struct kafka_settings {
  std::string brokers;  // empty: start the embedded broker
  std::string group_id;
  std::string client_id;
  std::string topic_cost;
  std::string topic_latency;
  std::string topic_sentinel;
  std::string topic_shield;
  std::string topic_observatory;
  std::string topic_calls;
  bool publish_calls = false;  // this instance's calls go to topic_calls and are counted from there
  std::string topic_cluster;   // instance reports, key = instance (compacted)
  std::string topic_checkpoints;  // checkpoint records, key = store identity (compacted)
  bool share_decisions = false;  // decide with the other instances of group_id (decision_exchange)
  std::string topic_dlq;
  std::string topic_decisions;
  int embedded_partitions = 0;  // partitions per topic in the embedded broker
  int session_timeout_ms = 0;   // consumer group session timeout
  // Extra librdkafka properties for every client, as written in the file: a
  // value may be a "${NAME}" reference, and is one when the name contains
  // password, secret or key.pem. resolve_properties() (config/loader.hpp) turns
  // references into values when a client is created.
  std::map<std::string, std::string> properties;
};

struct http_settings {
  std::string listen;  // "host:port"; port 0 picks a free port
  int threads = 0;
  long long max_body_bytes = 0;
  int max_json_depth = 0;  // nesting of a request body's JSON
};

struct auth_settings {
  bool required = true;  // /v1 requests need an API key
};

struct admin_settings {
  std::string token;  // a reference such as "${LLMOPT_ADMIN_TOKEN}", never the secret; empty: none
};

struct store_settings {
  std::string path;  // empty: <state_dir>/llmopt.db
};

struct collector_settings {
  long long max_message_bytes = 0;
  int batch_max = 0;             // signals per poll
  int poll_timeout_ms = 0;       // longest a poll waits for the first message
  long long high_watermark = 0;  // signals in flight at which partitions are paused
  long long low_watermark = 0;   // ... and below which they resume; < high_watermark
  int dedup_window_s = 0;        // a signal id applied this recently is skipped; 0: off
  long long dedup_max_ids = 0;   // ids remembered at most; the oldest are forgotten first
};

struct aggregator_settings {
  int window_s = 0;        // the live window of latency and error samples
  int window_buckets = 0;  // time buckets of window_s / window_buckets each
};

struct checkpoint_settings {
  int interval_ms = 0;  // aggregates and consumed offsets are saved together this often
};

struct decision_settings {
  int tick_ms = 0;                      // rescore every route this often
  double exploration_floor = 0;         // traffic share spread over every eligible candidate
  double posterior_scale = 0;           // < 1 commits traffic sooner than Thompson sampling
  double min_weight_change = 0;         // smaller moves are not a new decision
  double min_gain = 0;                  // ... nor moves that change a request's utility less
  double down_error_rate = 0;           // error rate at which a model counts as down
  int down_min_calls = 0;               // ... over at least this many calls in the window
  int down_retry_s = 0;                 // a model failing down_min_calls in a row is down this long
  int anomaly_ttl_s = 0;                // an anomaly never resolved expires after this
  double quality_prior_strength = 0;    // pseudo-observations behind a model's quality prior
  int quality_half_life_s = 0;          // quality feedback counts half after this long
  double quality_change_min = 0;        // the smallest change of the good rate watched for
  double quality_change_threshold = 0;  // ... and the evidence that tells it; 0 = none
  double quality_kept_on_drift = 0;     // what a quality drift leaves of earlier feedback
  double default_input_tokens = 0;      // per request, before any call is seen
  double default_output_tokens = 0;
};

struct router_settings {
  int max_attempts = 0;  // candidates tried per request
  // Retries, deadlines, breakers (schema.cpp documents each).
  std::string retry;       // the retry preset of routes that name none
  int timeout_ms = 0;      // the deadline of requests whose route sets none
  int max_timeout_ms = 0;  // the largest x-llmopt-timeout-ms accepted
  double retry_budget_ratio = 0;
  int retry_budget_window_s = 0;
  double retry_budget_min_per_s = 0;
  int breaker_failures = 0;
  double breaker_error_rate = 0;
  int breaker_min_calls = 0;
  int breaker_window_s = 0;
  int breaker_cooldown_ms = 0;
  int breaker_max_cooldown_ms = 0;
};

struct cache_settings {
  bool enabled = true;
  int ttl_s = 0;
  long long max_bytes = 0;
  std::vector<std::string> sampled_routes;  // routes whose sampled answers are cached too
  std::string redis;                        // L2: "host:port" or "redis://host:port"; empty: none
  int redis_timeout_ms = 0;
};

struct budget_settings {
  double soft_fraction = 0;          // of a budget, where its soft limit is
  long long default_max_tokens = 0;  // reserved for a request without max_tokens
  std::string limit_kind;            // sliding_window or token_bucket
  std::string redis;                 // the shared ledger's Redis (host:port); empty: none
  int redis_timeout_ms = 0;
};

struct log_settings {
  std::string level;   // trace, debug, info, warn, error
  std::string format;  // text or json
};

// Where a provider's models are served.
struct provider_settings {
  std::string name;  // the provider part of model keys ("openai")
  // The wire format: "openai", "anthropic", "gemini", "ollama",
  // "openai_compatible"; or "simulated", served in-process in `format`.
  std::string kind;
  std::string format;       // simulated only: the wire format it is spoken to in
  std::string base_url;     // empty: the kind's public endpoint (unused when simulated)
  std::string api_key;      // a reference such as "${OPENAI_API_KEY}", never the secret
  std::string key_header;   // the header the key goes in; empty: the kind's own
  std::string api_version;  // appended as ?api-version= (Azure OpenAI)
  int timeout_ms = 0;
  // What the provider key allows; 0: no limit.
  long long rpm = 0;
  long long tpm = 0;
  int max_concurrent = 0;

  // The wire format llmopt speaks to it: the kind, `format` when simulated,
  // openai for openai_compatible.
  std::string wire_format() const {
    if (kind == "simulated") return format;
    if (kind == "openai_compatible") return "openai";
    return kind;
  }
  // base_url, or the public endpoint of the kind when none is set.
  std::string endpoint() const {
    if (!base_url.empty()) return base_url;
    if (kind == "openai") return "https://api.openai.com/v1";
    if (kind == "anthropic") return "https://api.anthropic.com/v1";
    if (kind == "gemini") return "https://generativelanguage.googleapis.com/v1beta";
    if (kind == "ollama") return "http://127.0.0.1:11434";
    return base_url;
  }
};

// What a model can serve. A request that needs more skips the model.
struct model_capabilities {
  std::vector<std::string> features;  // of "streaming", "tools", "vision", "json_schema"
  long long context_window = 0;       // tokens, input and output; 0: not checked

  bool has(const std::string& feature) const {
    for (const auto& f : features)
      if (f == feature) return true;
    return false;
  }
};

struct model_settings {
  model_spec spec;
  model_capabilities capabilities;
  // How the model behaves when its provider is simulated.
  std::optional<model_behaviour> simulation;
  // How the simulator paces a streamed answer: the first token after
  // ttft_ms (< 0: 20% of the drawn latency), then tokens_per_s (< 0: the
  // rest spread over the drawn latency).
  double simulation_ttft_ms = -1;
  double simulation_tokens_per_s = -1;
  // The completion tokens of every simulated answer; 0: drawn per answer.
  int simulation_output_tokens = 0;
};

struct settings {
  std::string source;     // the file it was loaded from, or "<built-in>"
  std::string state_dir;  // for kafka.bootstrap and the default store path
  kafka_settings kafka;
  http_settings http;
  auth_settings auth;
  admin_settings admin;
  store_settings store;
  collector_settings collector;
  aggregator_settings aggregator;
  checkpoint_settings checkpoint;
  decision_settings decision;
  router_settings router;
  cache_settings cache;
  budget_settings budgets;
  log_settings log;
  std::vector<provider_settings> providers;
  std::vector<model_settings> models;
  std::vector<route_spec> routes;

  // The store file: store.path, else <state_dir>/llmopt.db.
  std::string store_path() const {
    return store.path.empty() ? state_dir + "/llmopt.db" : store.path;
  }
  const provider_settings* find_provider(const std::string& name) const {
    for (const auto& p : providers)
      if (p.name == name) return &p;
    return nullptr;
  }
  const model_settings* find_model(const model_key& id) const {
    for (const auto& m : models)
      if (m.spec.id == id) return &m;
    return nullptr;
  }
};

}  // namespace llmopt
