#include "config/schema.hpp"

#include <cctype>
#include <limits>

#include "config/text_rules.hpp"

namespace llmopt::cfg {

namespace {

constexpr double unbounded = std::numeric_limits<double>::infinity();

// -- field factories ---------------------------------------------------------

field_spec text(std::string name, std::string fallback, std::string doc, text_rule rule = {}) {
  field_spec f;
  f.name = std::move(name);
  f.kind = value_kind::text;
  f.fallback = std::move(fallback);
  f.rule = rule;
  f.doc = std::move(doc);
  return f;
}

field_spec required_text(std::string name, text_rule rule, std::string doc) {
  auto f = text(std::move(name), {}, std::move(doc), rule);
  f.fallback.reset();
  return f;
}

field_spec integer(std::string name, long long fallback, long long min, long long max,
                   std::string doc) {
  field_spec f;
  f.name = std::move(name);
  f.kind = value_kind::integer;
  f.fallback = fallback;
  f.min = static_cast<double>(min);
  f.max = static_cast<double>(max);
  f.doc = std::move(doc);
  return f;
}

field_spec number(std::string name, double fallback, double min, double max, std::string doc) {
  field_spec f;
  f.name = std::move(name);
  f.kind = value_kind::number;
  f.fallback = fallback;
  f.min = min;
  f.max = max;
  f.doc = std::move(doc);
  return f;
}

// A number in (min, max]: zero is not a valid reference.
field_spec positive(field_spec f) {
  f.min_exclusive = true;
  return f;
}

// A required number whose bounds are checked elsewhere (by validate() of the
// decision type it fills).
field_spec required_number(std::string name, std::string doc) {
  auto f = number(std::move(name), 0, -unbounded, unbounded, std::move(doc));
  f.fallback.reset();
  return f;
}

field_spec boolean(std::string name, bool fallback, std::string doc) {
  auto f = text(std::move(name), {}, std::move(doc));
  f.kind = value_kind::boolean;
  f.fallback = fallback;
  return f;
}

field_spec choice(std::string name, std::string fallback, std::vector<std::string> choices,
                  std::string doc) {
  field_spec f;
  f.name = std::move(name);
  f.kind = value_kind::choice;
  f.fallback = std::move(fallback);
  f.choices = std::move(choices);
  f.doc = std::move(doc);
  return f;
}

field_spec required_list(std::string name, text_rule element, std::string doc) {
  field_spec f;
  f.name = std::move(name);
  f.kind = value_kind::text_list;
  f.rule = element;
  f.doc = std::move(doc);
  return f;
}

field_spec text_list(std::string name, std::vector<std::string> fallback, text_rule element,
                     std::string doc) {
  auto f = required_list(std::move(name), element, std::move(doc));
  f.fallback = std::move(fallback);
  return f;
}

field_spec secret(field_spec f) {
  f.secret = true;
  return f;
}

// A table of names to text, empty by default.
field_spec string_map(std::string name, std::string doc) {
  field_spec f;
  f.name = std::move(name);
  f.kind = value_kind::text_map;
  f.fallback = text_entries{};
  f.doc = std::move(doc);
  return f;
}

// Entries of a string map named with one of `words` hold secret references.
field_spec secrets_named(std::vector<std::string> words, field_spec f) {
  f.secret_words = std::move(words);
  return f;
}

// A value that must stay below the value of the field `upper`.
field_spec less_than(std::string upper, field_spec f) {
  f.less_than = std::move(upper);
  return f;
}

// The simulation fields emplace model_settings::simulation when first set, so
// a model without a [simulation] table keeps it empty.
model_behaviour& behaviour_of(model_settings& m) {
  if (!m.simulation) m.simulation.emplace();
  return *m.simulation;
}

}  // namespace

// -- the declarations --------------------------------------------------------

const table_schema<settings>& settings_schema() {
  using S = settings;
  static const table_schema<settings> schema{
      {
          {text("state_dir", "./var", "where kafka.bootstrap and the default store live",
                non_empty),
           [](S& s) -> setting_ref { return &s.state_dir; }},

          {text("kafka.brokers", "",
                "bootstrap servers (host:port,...); empty starts the embedded broker"),
           [](S& s) -> setting_ref { return &s.kafka.brokers; }},
          {text("kafka.group_id", "llmopt", "consumer group of the collector", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.group_id; }},
          {text("kafka.client_id", "llmopt", "client id reported to the brokers", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.client_id; }},
          {text("kafka.topics.cost", "llm.signals.cost", "cost signals (cost-ops)", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_cost; }},
          {text("kafka.topics.latency", "llm.signals.latency", "latency signals (latency-lens)",
                non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_latency; }},
          {text("kafka.topics.sentinel", "llm.signals.sentinel",
                "drift and anomaly signals (sentinel)", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_sentinel; }},
          {text("kafka.topics.shield", "llm.signals.shield", "policy blocks (shield)", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_shield; }},
          {text("kafka.topics.observatory", "llm.signals.observatory",
                "traces and feedback (observatory)", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_observatory; }},
          {text("kafka.topics.calls", "llm.calls",
                "the calls llmopt instances make, key = model (calls)", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_calls; }},
          {boolean("kafka.publish_calls", false,
                   "publish this instance's calls on kafka.topics.calls (key = model) and count "
                   "them from there, like any instance's calls on the partitions it consumes"),
           [](S& s) -> setting_ref { return &s.kafka.publish_calls; }},
          {text("kafka.topics.cluster", "llm.cluster",
                "each instance's report to the others when they share decisions: its partitions, "
                "what it decides and what its statistics hold, key = instance (compacted)",
                non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_cluster; }},
          {text("kafka.topics.checkpoints", "llm.checkpoints",
                "when instances share decisions, where each one's checkpoints count the signal "
                "partitions up to, so a partition's next owner starts there and a restarted "
                "instance restores the checkpoint the others know of, key = the store's identity "
                "(compacted)",
                non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_checkpoints; }},
          {boolean("kafka.share_decisions", false,
                   "decide with the other instances of kafka.group_id: each route is decided by "
                   "one of them (the consumer group <group_id>.deciders on kafka.topics.decisions "
                   "says which), and every instance applies the newest decision of every route "
                   "from that topic"),
           [](S& s) -> setting_ref { return &s.kafka.share_decisions; }},
          {text("kafka.topics.dlq", "llm.signals.dlq",
                "dead letters: malformed signals with a reason", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_dlq; }},
          {text("kafka.topics.decisions", "llm.routing.decisions",
                "routing decisions out, key = route (compacted)", non_empty),
           [](S& s) -> setting_ref { return &s.kafka.topic_decisions; }},
          {integer("kafka.embedded_partitions", 4, 1, 256,
                   "partitions per topic in the embedded broker"),
           [](S& s) -> setting_ref { return &s.kafka.embedded_partitions; }},
          {integer("kafka.session_timeout_ms", 10000, 1000, 3600000,
                   "consumer group session timeout: a restarted daemon waits up to this long for "
                   "its partitions; brokers refuse values below their "
                   "group.min.session.timeout.ms (6000 by default)"),
           [](S& s) -> setting_ref { return &s.kafka.session_timeout_ms; }},
          {secrets_named({"password", "secret", "key.pem"},
                         string_map("kafka.properties",
                                    "extra librdkafka properties for every Kafka client, e.g. "
                                    "\"security.protocol\" = \"SASL_SSL\"")),
           [](S& s) -> setting_ref { return &s.kafka.properties; }},

          {text("http.listen", "127.0.0.1:8080",
                "address of the gateway and admin API; port 0 picks a free port", host_port),
           [](S& s) -> setting_ref { return &s.http.listen; }},
          {integer("http.threads", 1, 1, 64,
                   "threads serving HTTP; with 1, the upstream calls run on that thread too"),
           [](S& s) -> setting_ref { return &s.http.threads; }},
          {integer("http.max_body_bytes", 10485760, 1024, 67108864,
                   "largest request body accepted (images come inline as data: URIs)"),
           [](S& s) -> setting_ref { return &s.http.max_body_bytes; }},
          {integer("http.max_json_depth", 64, 8, 512,
                   "deepest nesting of arrays and objects accepted in a request body"),
           [](S& s) -> setting_ref { return &s.http.max_json_depth; }},

          {boolean("auth.required", true,
                   "requests to /v1 need an API key (llmopt keys create); false serves requests "
                   "without one (an llmopt key given is still checked); only on a loopback "
                   "http.listen"),
           [](S& s) -> setting_ref { return &s.auth.required; }},
          {secret(text("admin.token", "",
                       "the bearer token of the admin API (/admin/), as a reference to an "
                       "environment variable; empty: the admin API is open, on a loopback "
                       "http.listen only",
                       secret_reference)),
           [](S& s) -> setting_ref { return &s.admin.token; }},

          {text("store.path", "", "the SQLite file; empty means <state_dir>/llmopt.db"),
           [](S& s) -> setting_ref { return &s.store.path; }},

          {integer("collector.max_message_bytes", 65536, 256, 16777216,
                   "larger signals go to the DLQ"),
           [](S& s) -> setting_ref { return &s.collector.max_message_bytes; }},
          {integer("collector.batch_max", 1000, 1, 100000, "signals taken per poll"),
           [](S& s) -> setting_ref { return &s.collector.batch_max; }},
          {integer("collector.poll_timeout_ms", 50, 1, 5000,
                   "longest a poll waits for the first message"),
           [](S& s) -> setting_ref { return &s.collector.poll_timeout_ms; }},
          {integer("collector.high_watermark", 50000, 1, 10000000,
                   "signals in flight (sent to the aggregator, not yet applied) at which the "
                   "collector pauses its partitions"),
           [](S& s) -> setting_ref { return &s.collector.high_watermark; }},
          {less_than("collector.high_watermark",
                     integer("collector.low_watermark", 25000, 0, 10000000,
                             "signals in flight below which the collector resumes")),
           [](S& s) -> setting_ref { return &s.collector.low_watermark; }},
          {integer("collector.dedup_window_s", 600, 0, 86400,
                   "a signal id applied within this many seconds is not applied again; 0 "
                   "disables"),
           [](S& s) -> setting_ref { return &s.collector.dedup_window_s; }},
          {integer("collector.dedup_max_ids", 1000000, 0, 100000000,
                   "signal ids remembered at most; the oldest are forgotten first"),
           [](S& s) -> setting_ref { return &s.collector.dedup_max_ids; }},

          {integer("aggregator.window_s", 60, 1, 3600,
                   "the live window of latency and error samples"),
           [](S& s) -> setting_ref { return &s.aggregator.window_s; }},
          {integer("aggregator.window_buckets", 12, 1, 3600,
                   "the live window is kept as this many time buckets, of window_s / "
                   "window_buckets each"),
           [](S& s) -> setting_ref { return &s.aggregator.window_buckets; }},

          {integer("checkpoint.interval_ms", 5000, 50, 3600000,
                   "how often aggregates and consumed offsets are saved together"),
           [](S& s) -> setting_ref { return &s.checkpoint.interval_ms; }},

          {integer("decision.tick_ms", 1000, 10, 600000, "rescore every route this often"),
           [](S& s) -> setting_ref { return &s.decision.tick_ms; }},
          {number("decision.exploration_floor", 0.03, 0, 0.5,
                  "share of a route's traffic spread over all its eligible candidates, so "
                  "that their statistics stay fresh and recoveries are noticed"),
           [](S& s) -> setting_ref { return &s.decision.exploration_floor; }},
          {number("decision.posterior_scale", 0.5, 0.05, 1,
                  "traffic follows the probability that a candidate is the best under its "
                  "posterior narrowed by this: 1 is Thompson sampling, smaller commits sooner"),
           [](S& s) -> setting_ref { return &s.decision.posterior_scale; }},
          {number("decision.min_weight_change", 0.02, 0, 1,
                  "smaller moves of a weight are not a new decision"),
           [](S& s) -> setting_ref { return &s.decision.min_weight_change; }},
          {number("decision.min_gain", 0.001, 0, 1,
                  "nor is a move that changes the route's expected utility per request by "
                  "less than this, either way: near-equal candidates keep their shares"),
           [](S& s) -> setting_ref { return &s.decision.min_gain; }},
          {number("decision.down_error_rate", 0.5, 0.01, 1,
                  "error rate at which a model counts as down"),
           [](S& s) -> setting_ref { return &s.decision.down_error_rate; }},
          {integer("decision.down_min_calls", 5, 1, 100000,
                   "... over at least this many calls in the window, or failing this many "
                   "calls in a row"),
           [](S& s) -> setting_ref { return &s.decision.down_min_calls; }},
          {integer("decision.down_retry_s", 10, 1, 3600,
                   "a model whose last down_min_calls calls failed is down until this long "
                   "after its last failure; then a call tries it again"),
           [](S& s) -> setting_ref { return &s.decision.down_retry_s; }},
          {integer("decision.anomaly_ttl_s", 600, 1, 86400,
                   "an anomaly never resolved expires after this"),
           [](S& s) -> setting_ref { return &s.decision.anomaly_ttl_s; }},
          {number("decision.quality_prior_strength", 2, 0.1, 1000,
                  "pseudo-observations behind a model's quality prior"),
           [](S& s) -> setting_ref { return &s.decision.quality_prior_strength; }},
          {integer("decision.quality_half_life_s", 600, 0, 31536000,
                   "quality feedback counts half after this long, so an old verdict fades "
                   "and a model left alone becomes worth a look again; 0 keeps it forever"),
           [](S& s) -> setting_ref { return &s.decision.quality_half_life_s; }},
          {number("decision.quality_change_min", 0.15, 0.01, 0.9,
                  "the smallest change of a model's judged-good rate its feedback is watched "
                  "for; when one is told, the feedback before it no longer counts"),
           [](S& s) -> setting_ref { return &s.decision.quality_change_min; }},
          {number("decision.quality_change_threshold", 14, 0, 100,
                  "the evidence (log-likelihood ratio) that tells such a change: higher waits "
                  "for more feedback and tells fewer false changes; 0 watches for none"),
           [](S& s) -> setting_ref { return &s.decision.quality_change_threshold; }},
          {number("decision.quality_kept_on_drift", 0.1, 0, 1,
                  "what a quality, concept or behaviour drift signal leaves of a model's "
                  "feedback before it; 1 leaves it whole"),
           [](S& s) -> setting_ref { return &s.decision.quality_kept_on_drift; }},
          {number("decision.default_input_tokens", 800, 1, 10000000,
                  "input tokens per request, before any call is seen"),
           [](S& s) -> setting_ref { return &s.decision.default_input_tokens; }},
          {number("decision.default_output_tokens", 300, 1, 10000000,
                  "output tokens per request, before any call is seen"),
           [](S& s) -> setting_ref { return &s.decision.default_output_tokens; }},

          {integer("router.max_attempts", 3, 1, 10,
                   "candidates called per request (those skipped for a breaker or a provider "
                   "limit do not count)"),
           [](S& s) -> setting_ref { return &s.router.max_attempts; }},
          {choice("router.retry", "none", {"none", "fast", "standard", "patient"},
                  "retry preset of routes that name none, and of provider:model requests: "
                  "none (no waiting retry), fast (exponential 50..500 ms, 1 retry), standard "
                  "(decorrelated jitter 200 ms..2 s, 2 retries), patient (decorrelated jitter "
                  "1..20 s, 4 retries)"),
           [](S& s) -> setting_ref { return &s.router.retry; }},
          {integer("router.timeout_ms", 600000, 100, 3600000,
                   "deadline of a request, every attempt, wait and stream included, when its "
                   "route sets none"),
           [](S& s) -> setting_ref { return &s.router.timeout_ms; }},
          {integer("router.max_timeout_ms", 3600000, 100, 3600000,
                   "the largest deadline a client may ask for in x-llmopt-timeout-ms"),
           [](S& s) -> setting_ref { return &s.router.max_timeout_ms; }},
          {number("router.retry_budget_ratio", 0.1, 0, 10,
                  "retries (every call after a request's first) may be this share of "
                  "requests over the budget window"),
           [](S& s) -> setting_ref { return &s.router.retry_budget_ratio; }},
          {integer("router.retry_budget_window_s", 10, 1, 3600,
                   "the sliding window of the retry budget"),
           [](S& s) -> setting_ref { return &s.router.retry_budget_window_s; }},
          {number("router.retry_budget_min_per_s", 10, 0, 10000,
                  "retries allowed per second of the window whatever the ratio, so a quiet "
                  "gateway can still retry"),
           [](S& s) -> setting_ref { return &s.router.retry_budget_min_per_s; }},
          {integer("router.breaker_failures", 5, 1, 1000,
                   "a provider:model's breaker opens after this many model failures in a row"),
           [](S& s) -> setting_ref { return &s.router.breaker_failures; }},
          {number("router.breaker_error_rate", 0.5, 0.01, 1,
                  "... or at this share of model failures"),
           [](S& s) -> setting_ref { return &s.router.breaker_error_rate; }},
          {integer("router.breaker_min_calls", 20, 1, 1000000,
                   "... over at least this many calls in the breaker window"),
           [](S& s) -> setting_ref { return &s.router.breaker_min_calls; }},
          {integer("router.breaker_window_s", 30, 1, 3600, "the breaker's error-rate window"),
           [](S& s) -> setting_ref { return &s.router.breaker_window_s; }},
          {integer("router.breaker_cooldown_ms", 5000, 10, 3600000,
                   "an open breaker lets one probe through after this long; each failed probe "
                   "doubles it"),
           [](S& s) -> setting_ref { return &s.router.breaker_cooldown_ms; }},
          {integer("router.breaker_max_cooldown_ms", 60000, 10, 3600000, "... up to this"),
           [](S& s) -> setting_ref { return &s.router.breaker_max_cooldown_ms; }},

          {boolean("cache.enabled", true,
                   "answer identical requests from the response cache and share identical calls "
                   "in flight"),
           [](S& s) -> setting_ref { return &s.cache.enabled; }},
          {integer("cache.ttl_s", 300, 1, 604800, "how long a cached answer is served"),
           [](S& s) -> setting_ref { return &s.cache.ttl_s; }},
          {integer("cache.max_bytes", 67108864, 1048576, 68719476736,
                   "memory the cached answers take at most; the least recently used go first"),
           [](S& s) -> setting_ref { return &s.cache.max_bytes; }},
          {text_list("cache.sampled_routes", {}, plain_name,
                     "routes whose answers drawn at temperature > 0 (or unset) are cached too; "
                     "elsewhere only temperature 0 answers are"),
           [](S& s) -> setting_ref { return &s.cache.sampled_routes; }},
          {text("cache.redis", "",
                "a Redis shared by instances as a second cache level (host:port or "
                "redis://host:port); empty: none",
                redis_address),
           [](S& s) -> setting_ref { return &s.cache.redis; }},
          {integer("cache.redis_timeout_ms", 100, 1, 10000,
                   "longest a Redis command may take; a slower or absent Redis is a miss"),
           [](S& s) -> setting_ref { return &s.cache.redis_timeout_ms; }},
          {number("budgets.soft_fraction", 0.8, 0.01, 1,
                  "past this fraction of a budget a request is flagged (x-llmopt-budget: "
                  "soft-limit, a log line) and its route tries the cheaper candidates first"),
           [](S& s) -> setting_ref { return &s.budgets.soft_fraction; }},
          {integer("budgets.default_max_tokens", 4096, 1, 10000000,
                   "output tokens a request without max_tokens reserves budget and TPM for"),
           [](S& s) -> setting_ref { return &s.budgets.default_max_tokens; }},
          {text("budgets.redis", "",
                "a Redis shared by instances that holds every budget and key rate limit "
                "(host:port or redis://host:port), so N instances never spend N budgets; "
                "empty: each instance counts alone",
                redis_address),
           [](S& s) -> setting_ref { return &s.budgets.redis; }},
          {integer("budgets.redis_timeout_ms", 50, 1, 10000,
                   "longest a request waits for the shared ledger; past it (or with Redis "
                   "down) the request is decided by this instance's own budgets and limits"),
           [](S& s) -> setting_ref { return &s.budgets.redis_timeout_ms; }},
          {choice("limits.kind", "sliding_window", {"sliding_window", "token_bucket"},
                  "how a key's rpm and tpm count: at most N in any minute, or a bucket of N "
                  "refilled at N a minute (bursts up to N)"),
           [](S& s) -> setting_ref { return &s.budgets.limit_kind; }},

          {choice("log.level", "info", {"trace", "debug", "info", "warn", "error"},
                  "least severe message logged"),
           [](S& s) -> setting_ref { return &s.log.level; }},
          {choice("log.format", "text", {"text", "json"},
                  "text for people, json lines for collectors"),
           [](S& s) -> setting_ref { return &s.log.format; }},
      },
      {}};
  return schema;
}

const table_schema<provider_settings>& provider_schema() {
  using P = provider_settings;
  static const table_schema<provider_settings> schema{
      {
          {required_text("name", plain_name, "the provider part of model ids (\"openai\")"),
           [](P& p) -> setting_ref { return &p.name; }},
          {choice("kind", "openai_compatible",
                  {"openai", "anthropic", "gemini", "ollama", "openai_compatible", "simulated"},
                  "wire format (openai_compatible: vLLM, OpenRouter, Groq, Together, Azure "
                  "OpenAI, ...), or simulated in-process"),
           [](P& p) -> setting_ref { return &p.kind; }},
          {choice("format", "openai", {"openai", "anthropic", "gemini", "ollama"},
                  "simulated only: the wire format the simulator is spoken to in"),
           [](P& p) -> setting_ref { return &p.format; }},
          {text("base_url", "",
                "the API root, e.g. https://api.openai.com/v1; {model} in it is replaced by the "
                "model name; empty: the kind's public endpoint (required for "
                "openai_compatible)",
                http_url),
           [](P& p) -> setting_ref { return &p.base_url; }},
          {secret(text("api_key", "", "the API key, as a reference to an environment variable",
                       secret_reference)),
           [](P& p) -> setting_ref { return &p.api_key; }},
          {text("key_header", "",
                "the header the key is sent in (\"api-key\" for Azure OpenAI); empty: the "
                "kind's own (Authorization: Bearer, x-api-key, x-goog-api-key)"),
           [](P& p) -> setting_ref { return &p.key_header; }},
          {text("api_version", "", "sent as ?api-version= on every call (Azure OpenAI)"),
           [](P& p) -> setting_ref { return &p.api_version; }},
          {integer("timeout_ms", 30000, 100, 600000,
                   "longest a call waits: for a whole answer, or for the next bytes of a stream"),
           [](P& p) -> setting_ref { return &p.timeout_ms; }},
          {integer("rpm", 0, 0, 100000000,
                   "calls per minute the key allows (0: no limit); a candidate of a provider "
                   "at its limit is skipped"),
           [](P& p) -> setting_ref { return &p.rpm; }},
          {integer("tpm", 0, 0, 100000000000,
                   "tokens per minute the key allows, counted at the request's estimate "
                   "(input and max_tokens); 0: no limit"),
           [](P& p) -> setting_ref { return &p.tpm; }},
          {integer("max_concurrent", 0, 0, 1000000, "calls in flight at once (0: no limit)"),
           [](P& p) -> setting_ref { return &p.max_concurrent; }},
      },
      {}};
  return schema;
}

const table_schema<model_settings>& model_schema() {
  using M = model_settings;
  static const table_schema<model_settings> schema{
      {
          {required_text("id", model_id,
                         "\"provider:model\"; the provider is declared in [[providers]]"),
           [](M& m) -> setting_ref { return &m.spec.id; }},
          {number("price_in_per_mtok", 0, 0, 1000, "USD per million input tokens"),
           [](M& m) -> setting_ref { return &m.spec.price.in_per_mtok; }},
          {number("price_out_per_mtok", 0, 0, 1000, "USD per million output tokens"),
           [](M& m) -> setting_ref { return &m.spec.price.out_per_mtok; }},
          {number("quality_prior", 0.5, 0, 1, "prior probability of a good answer"),
           [](M& m) -> setting_ref { return &m.spec.quality_prior; }},
          {text_list("capabilities", {"streaming", "tools", "vision", "json_schema"}, capability,
                     "what the model can serve; a request needing another skips it"),
           [](M& m) -> setting_ref { return &m.capabilities.features; }},
          {integer("context_window", 0, 0, 100000000,
                   "tokens in and out the model takes (0: not checked); a longer request skips "
                   "it"),
           [](M& m) -> setting_ref { return &m.capabilities.context_window; }},
          {required_number("simulation.latency_ms.median", "simulated median latency in ms (> 0)"),
           [](M& m) -> setting_ref { return &behaviour_of(m).latency_median_ms; }},
          {required_number("simulation.latency_ms.p95",
                           "simulated 95th percentile latency in ms (>= median)"),
           [](M& m) -> setting_ref { return &behaviour_of(m).latency_p95_ms; }},
          {required_number("simulation.error_rate",
                           "simulated probability that a call fails, in [0, 1]"),
           [](M& m) -> setting_ref { return &behaviour_of(m).error_rate; }},
          {required_number("simulation.quality",
                           "simulated probability that an answer is good, in [0, 1]"),
           [](M& m) -> setting_ref { return &behaviour_of(m).quality; }},
          {number("simulation.ttft_ms", -1, -1, 600000,
                  "simulated time to the first streamed token in ms; -1: 20% of the drawn "
                  "latency"),
           [](M& m) -> setting_ref { return &m.simulation_ttft_ms; }},
          {number("simulation.tokens_per_s", -1, -1, 1000000,
                  "simulated streaming pace after the first token; -1: the rest spread over the "
                  "drawn latency; 0: as fast as the client reads"),
           [](M& m) -> setting_ref { return &m.simulation_tokens_per_s; }},
          {integer("simulation.output_tokens", 0, 0, 1000000,
                   "completion tokens of every simulated answer; 0: drawn per answer "
                   "(exponential, mean 300)"),
           [](M& m) -> setting_ref { return &m.simulation_output_tokens; }},
      },
      {"simulation"}};
  return schema;
}

const table_schema<route_spec>& route_schema() {
  using R = route_spec;
  static const table_schema<route_spec> schema{
      {
          {required_text("name", plain_name,
                         "what callers send as `model`; no ':' (provider:model bypasses routing)"),
           [](R& r) -> setting_ref { return &r.name; }},
          {required_list("candidates", model_id, "model ids declared in [[models]], no duplicates"),
           [](R& r) -> setting_ref { return &r.candidates; }},
          {number("objective.quality", 0.6, 0, 1,
                  "utility weight of a good answer (weights sum > 0)"),
           [](R& r) -> setting_ref { return &r.weights.quality; }},
          {number("objective.cost", 0.2, 0, 1, "utility weight of cost / cost_ref_usd"),
           [](R& r) -> setting_ref { return &r.weights.cost; }},
          {number("objective.latency", 0.2, 0, 1, "utility weight of latency / latency_ref_ms"),
           [](R& r) -> setting_ref { return &r.weights.latency; }},
          {positive(number("cost_ref_usd", 0.01, 0, 1000,
                           "the cost of a request that weighs as much as a good answer")),
           [](R& r) -> setting_ref { return &r.cost_ref_usd; }},
          {positive(number("latency_ref_ms", 5000, 0, 600000,
                           "the latency that weighs as much as a good answer")),
           [](R& r) -> setting_ref { return &r.latency_ref_ms; }},
          {choice("latency_metric", "total", {"total", "ttft"},
                  "the latency the route weighs: of the whole answer, or to the first streamed "
                  "token (chat UIs)"),
           [](R& r) -> setting_ref { return &r.latency_metric; }},
          {number("budget_usd", 0, 0, 1e9,
                  "what the route may spend per budget_period, in USD (0: no budget); a "
                  "request its remaining budget cannot cover is refused with 429"),
           [](R& r) -> setting_ref { return &r.budget_usd; }},
          {choice("budget_period", "month", {"day", "month"}, "the UTC period budget_usd is for"),
           [](R& r) -> setting_ref { return &r.budget_period; }},
          {number(
               "latency_slo_ms", 0, 0, 600000,
               "p95 latency the route promises (0: none; time to first token when latency_metric "
               "is ttft); a candidate over it is held back "
               "to a probe share while another meets it"),
           [](R& r) -> setting_ref { return &r.latency_slo_ms; }},
          {integer("timeout_ms", 0, 0, 3600000,
                   "deadline of the route's requests, every attempt and wait included (0: "
                   "router.timeout_ms); a client may set its own with x-llmopt-timeout-ms"),
           [](R& r) -> setting_ref { return &r.timeout_ms; }},
          {choice("retry", "default", {"default", "none", "fast", "standard", "patient"},
                  "retry preset (see router.retry); default: router.retry"),
           [](R& r) -> setting_ref { return &r.retry; }},
          {choice(
               "retry_policy.kind", "preset",
               {"preset", "exponential", "linear", "constant", "fibonacci", "decorrelated_jitter"},
               "overrides the preset's kind of wait"),
           [](R& r) -> setting_ref { return &r.retry_kind; }},
          {integer("retry_policy.base_ms", -1, -1, 3600000,
                   "overrides the preset's first wait (-1: the preset's)"),
           [](R& r) -> setting_ref { return &r.retry_base_ms; }},
          {integer("retry_policy.cap_ms", -1, -1, 3600000,
                   "overrides the preset's longest wait (-1: the preset's)"),
           [](R& r) -> setting_ref { return &r.retry_cap_ms; }},
          {integer("retry_policy.max_retries", -1, -1, 100,
                   "overrides the preset's retries of a candidate after a wait (-1: the "
                   "preset's)"),
           [](R& r) -> setting_ref { return &r.retry_max_retries; }},
      },
      {}};
  return schema;
}

std::string env_name(const field_spec& spec) {
  std::string out = "LLMOPT_";
  for (char c : spec.name)
    out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const std::vector<std::string>& array_names() {
  static const std::vector<std::string> names{"providers", "models", "routes"};
  return names;
}

}  // namespace llmopt::cfg
