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
  int tick_ms = 0;                    // rescore every route this often
  double exploration_floor = 0;       // traffic share spread over every eligible candidate
  double posterior_scale = 0;         // < 1 commits traffic sooner than Thompson sampling
  double min_weight_change = 0;       // smaller moves are not a new decision
  double min_gain = 0;                // ... nor moves that change a request's utility less
  double down_error_rate = 0;         // error rate at which a model counts as down
  int down_min_calls = 0;             // ... over at least this many calls in the window
  int down_retry_s = 0;               // a model failing down_min_calls in a row is down this long
  int anomaly_ttl_s = 0;              // an anomaly never resolved expires after this
  double quality_prior_strength = 0;  // pseudo-observations behind a model's quality prior
  int quality_half_life_s = 0;        // quality feedback counts half after this long
  double default_input_tokens = 0;    // per request, before any call is seen
  double default_output_tokens = 0;
};

struct router_settings {
  int max_attempts = 0;  // candidates tried per request
};

struct log_settings {
  std::string level;   // trace, debug, info, warn, error
  std::string format;  // text or json
};

// Where a provider's models are served.
struct provider_settings {
  std::string name;      // the provider part of model keys ("openai")
  std::string kind;      // "openai_compatible" or "simulated"
  std::string base_url;  // e.g. https://api.openai.com/v1 (unused when simulated)
  std::string api_key;   // a reference such as "${OPENAI_API_KEY}", never the secret
  int timeout_ms = 0;
};

struct model_settings {
  model_spec spec;
  // How the model behaves when its provider is simulated.
  std::optional<model_behaviour> simulation;
};

struct settings {
  std::string source;     // the file it was loaded from, or "<built-in>"
  std::string state_dir;  // for kafka.bootstrap and the default store path
  kafka_settings kafka;
  http_settings http;
  store_settings store;
  collector_settings collector;
  aggregator_settings aggregator;
  checkpoint_settings checkpoint;
  decision_settings decision;
  router_settings router;
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
