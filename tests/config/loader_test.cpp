#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt;
using llmopt::test::env_of;
using llmopt::test::no_env;

namespace {

const std::string example_path = LLMOPT_SOURCE_DIR "/config/llmopt.example.toml";

}  // namespace

TEST_CASE("the example config loads with the documented values", "[config][loader]") {
  auto loaded = load_settings_file(example_path, no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  const settings& s = *loaded;
  CHECK(s.source == example_path);
  CHECK(s.state_dir == "./var");
  CHECK(s.kafka.brokers.empty());  // the embedded broker
  CHECK(s.http.listen == "127.0.0.1:8080");
  CHECK(s.kafka.properties.empty());  // only shown in a comment

  REQUIRE(s.providers.size() == 4);  // one simulated provider per native wire format
  CHECK(s.providers[0].name == "openai");
  CHECK(s.providers[0].kind == "simulated");
  CHECK(s.providers[0].api_key.empty());
  CHECK(s.providers[0].timeout_ms == 30000);
  CHECK(s.providers[1].name == "anthropic");
  CHECK(s.providers[1].wire_format() == "anthropic");
  CHECK(s.providers[2].wire_format() == "gemini");
  CHECK(s.providers[3].wire_format() == "ollama");

  REQUIRE(s.models.size() == 5);
  const auto* llama = s.find_model("ollama:llama3.2");
  REQUIRE(llama);
  CHECK_FALSE(llama->capabilities.has("vision"));
  CHECK(llama->capabilities.has("tools"));
  CHECK(llama->capabilities.context_window == 8192);
  CHECK(llama->simulation_ttft_ms == Approx(80));
  CHECK(s.find_model("openai:gpt-4o")->capabilities.has("vision"));  // the default: all
  const auto* mini = s.find_model("openai:gpt-4o-mini");
  REQUIRE(mini);
  CHECK(mini->spec.price.in_per_mtok == Approx(0.15));
  CHECK(mini->spec.price.out_per_mtok == Approx(0.6));
  CHECK(mini->spec.quality_prior == Approx(0.7));
  REQUIRE(mini->simulation);
  CHECK(mini->simulation->latency_median_ms == Approx(600));
  CHECK(mini->simulation->latency_p95_ms == Approx(1200));
  CHECK(mini->simulation->error_rate == Approx(0.01));
  CHECK(mini->simulation->quality == Approx(0.7));
  const auto* sonnet = s.find_model("anthropic:claude-3-5-sonnet");
  REQUIRE(sonnet);
  CHECK(sonnet->spec.price.out_per_mtok == Approx(15));
  CHECK(sonnet->simulation->quality == Approx(0.9));

  REQUIRE(s.routes.size() == 3);
  const auto& chat = s.routes[0];
  CHECK(chat.name == "chat");
  CHECK(chat.candidates == std::vector<model_key>{"openai:gpt-4o-mini", "openai:gpt-4o",
                                                  "anthropic:claude-3-5-sonnet",
                                                  "google:gemini-2.5-flash"});
  CHECK_FALSE(chat.weighs_ttft());
  CHECK(s.routes[2].weighs_ttft());
  CHECK(chat.weights.quality == Approx(0.6));
  CHECK(chat.weights.cost == Approx(0.2));
  CHECK(chat.weights.latency == Approx(0.2));
  CHECK(chat.cost_ref_usd == Approx(0.01));
  CHECK(chat.latency_ref_ms == Approx(5000));
  CHECK(chat.latency_slo_ms == Approx(3000));
  const auto& summarize = s.routes[1];
  CHECK(summarize.name == "summarize");
  CHECK(summarize.candidates == std::vector<model_key>{"openai:gpt-4o-mini",
                                                       "anthropic:claude-3-5-sonnet",
                                                       "ollama:llama3.2"});
  CHECK(summarize.weights.cost == Approx(0.5));
  CHECK(summarize.cost_ref_usd == Approx(0.005));
  CHECK(summarize.latency_ref_ms == Approx(8000));
  CHECK(summarize.latency_slo_ms == 0);
}

TEST_CASE("an empty config is every default", "[config][loader]") {
  auto loaded = parse_settings("", "empty.toml", no_env());
  REQUIRE(loaded.ok());
  const settings& s = *loaded;
  CHECK(s.source == "empty.toml");
  CHECK(s.state_dir == "./var");
  CHECK(s.store_path() == "./var/llmopt.db");
  CHECK(s.kafka.brokers.empty());
  CHECK(s.kafka.group_id == "llmopt");
  CHECK(s.kafka.client_id == "llmopt");
  CHECK(s.kafka.topic_cost == "llm.signals.cost");
  CHECK(s.kafka.topic_latency == "llm.signals.latency");
  CHECK(s.kafka.topic_sentinel == "llm.signals.sentinel");
  CHECK(s.kafka.topic_shield == "llm.signals.shield");
  CHECK(s.kafka.topic_observatory == "llm.signals.observatory");
  CHECK(s.kafka.topic_calls == "llm.calls");
  CHECK_FALSE(s.kafka.publish_calls);
  CHECK(s.kafka.topic_dlq == "llm.signals.dlq");
  CHECK(s.kafka.topic_decisions == "llm.routing.decisions");
  CHECK(s.kafka.embedded_partitions == 4);
  CHECK(s.kafka.session_timeout_ms == 10000);
  CHECK(s.kafka.properties.empty());
  CHECK(s.http.listen == "127.0.0.1:8080");
  CHECK(s.http.threads == 1);
  CHECK(s.http.max_body_bytes == 10485760);
  CHECK(s.http.max_json_depth == 64);
  CHECK(s.collector.max_message_bytes == 65536);
  CHECK(s.collector.batch_max == 1000);
  CHECK(s.collector.poll_timeout_ms == 50);
  CHECK(s.collector.high_watermark == 50000);
  CHECK(s.collector.low_watermark == 25000);
  CHECK(s.collector.dedup_window_s == 600);
  CHECK(s.collector.dedup_max_ids == 1000000);
  CHECK(s.aggregator.window_s == 60);
  CHECK(s.aggregator.window_buckets == 12);
  CHECK(s.checkpoint.interval_ms == 5000);
  CHECK(s.decision.tick_ms == 1000);
  CHECK(s.decision.exploration_floor == Approx(0.03));
  CHECK(s.decision.min_weight_change == Approx(0.02));
  CHECK(s.decision.min_gain == Approx(0.001));
  CHECK(s.decision.down_error_rate == Approx(0.5));
  CHECK(s.decision.down_min_calls == 5);
  CHECK(s.decision.anomaly_ttl_s == 600);
  CHECK(s.decision.quality_prior_strength == Approx(2));
  CHECK(s.decision.quality_change_min == Approx(0.15));
  CHECK(s.decision.quality_change_threshold == Approx(14));
  CHECK(s.decision.quality_kept_on_drift == Approx(0.1));
  CHECK(s.decision.default_input_tokens == Approx(800));
  CHECK(s.decision.default_output_tokens == Approx(300));
  CHECK(s.router.max_attempts == 3);
  CHECK(s.log.level == "info");
  CHECK(s.log.format == "text");
  CHECK(s.providers.empty());
  CHECK(s.models.empty());
  CHECK(s.routes.empty());
}

TEST_CASE("default_settings matches an empty file", "[config][loader]") {
  settings d = default_settings();
  auto parsed = parse_settings("", "x", no_env());
  REQUIRE(parsed.ok());
  CHECK(d.source == "<defaults>");
  CHECK(d.state_dir == parsed->state_dir);
  CHECK(d.http.listen == parsed->http.listen);
  CHECK(d.decision.tick_ms == parsed->decision.tick_ms);
  CHECK(d.kafka.topic_decisions == parsed->kafka.topic_decisions);
}

TEST_CASE("keys absent from an entry take their defaults", "[config][loader]") {
  auto loaded = parse_settings(R"(
[http]
threads = 8

[[providers]]
name = "local"
base_url = "http://localhost:11434/v1"

[[models]]
id = "local:llama3"
quality_prior = 0.4

[[routes]]
name = "cheap"
candidates = ["local:llama3"]
objective.cost = 0.9
)",
                               "partial.toml", no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  const settings& s = *loaded;
  CHECK(s.http.threads == 8);
  CHECK(s.http.listen == "127.0.0.1:8080");  // untouched key of a present table
  const auto& p = s.providers.at(0);
  CHECK(p.kind == "openai_compatible");
  CHECK(p.api_key.empty());
  CHECK(p.timeout_ms == 30000);
  const auto& m = s.models.at(0);
  CHECK(m.spec.price.in_per_mtok == 0);
  CHECK(m.spec.quality_prior == Approx(0.4));
  CHECK_FALSE(m.simulation);  // not simulated: no behaviour invented
  const auto& r = s.routes.at(0);
  CHECK(r.weights.quality == Approx(0.6));
  CHECK(r.weights.cost == Approx(0.9));
  CHECK(r.weights.latency == Approx(0.2));
  CHECK(r.cost_ref_usd == Approx(0.01));
  CHECK(r.latency_ref_ms == Approx(5000));
}

TEST_CASE("retries, deadlines, breakers and provider limits load", "[config][loader]") {
  auto loaded = parse_settings(R"(
[router]
retry = "fast"
timeout_ms = 20000
breaker_failures = 7

[[providers]]
name = "local"
base_url = "http://localhost:11434/v1"
rpm = 60
tpm = 100000
max_concurrent = 4

[[models]]
id = "local:llama3"

[[routes]]
name = "batch"
candidates = ["local:llama3"]
timeout_ms = 120000
retry = "patient"
retry_policy = { kind = "fibonacci", max_retries = 6 }

[[routes]]
name = "plain"
candidates = ["local:llama3"]
)",
                               "guard.toml", no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  const settings& s = *loaded;
  CHECK(s.router.retry == "fast");
  CHECK(s.router.timeout_ms == 20000);
  CHECK(s.router.breaker_failures == 7);
  CHECK(s.router.retry_budget_ratio == Approx(0.1));
  const auto& p = s.providers.at(0);
  CHECK(p.rpm == 60);
  CHECK(p.tpm == 100000);
  CHECK(p.max_concurrent == 4);
  const auto& batch = s.routes.at(0);
  CHECK(batch.timeout_ms == 120000);
  CHECK(batch.retry == "patient");
  CHECK(batch.retry_kind == "fibonacci");
  CHECK(batch.retry_max_retries == 6);
  CHECK(batch.retry_base_ms == -1);  // the preset's
  const auto& plain = s.routes.at(1);
  CHECK(plain.retry == "default");
  CHECK(plain.retry_kind == "preset");
  CHECK(plain.timeout_ms == 0);

  auto bad = parse_settings(R"(
[[providers]]
name = "local"
base_url = "http://localhost:11434/v1"
[[models]]
id = "local:llama3"
[[routes]]
name = "x"
candidates = ["local:llama3"]
retry = "sometimes"
)",
                            "bad.toml", no_env());
  REQUIRE_FALSE(bad.ok());
  INFO(bad.err().detail);
  CHECK(bad.err().detail.find("retry") != std::string::npos);
}

TEST_CASE("numbers accept TOML integers, integers refuse floats", "[config][loader]") {
  auto ok = parse_settings("[decision]\nexploration_floor = 0\nquality_prior_strength = 3\n",
                           "n.toml", no_env());
  REQUIRE(ok.ok());
  CHECK(ok->decision.exploration_floor == Approx(0.0));
  CHECK(ok->decision.quality_prior_strength == Approx(3.0));

  auto watch = parse_settings(
      "[decision]\nquality_change_min = 0.2\nquality_change_threshold = 0\n"
      "quality_kept_on_drift = 1\n",
      "n.toml", no_env());
  REQUIRE(watch.ok());
  CHECK(watch->decision.quality_change_min == Approx(0.2));
  CHECK(watch->decision.quality_change_threshold == Approx(0.0));
  CHECK(watch->decision.quality_kept_on_drift == Approx(1.0));
  auto too_small = parse_settings("[decision]\nquality_change_min = 0\n", "n.toml", no_env());
  REQUIRE_FALSE(too_small.ok());
  CHECK(too_small.err().detail.find("decision.quality_change_min") != std::string::npos);

  auto bad = parse_settings("[http]\nthreads = 2.0\n", "n.toml", no_env());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().detail == "n.toml:2:11: http.threads: expected an integer in [1, 64], got 2");
}

TEST_CASE("arrays of tables may also be written inline", "[config][loader]") {
  auto loaded = parse_settings(R"(
providers = [{ name = "sim", kind = "simulated" }]
models = [
 {id = "sim:a", simulation = { latency_ms = { median = 1, p95 = 2 }, error_rate = 0, quality = 1 }},
]
routes = [{ name = "r", candidates = ["sim:a"] }]
)",
                               "inline.toml", no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  CHECK(loaded->routes.at(0).candidates.at(0) == "sim:a");
  CHECK(loaded->models.at(0).simulation->latency_p95_ms == Approx(2));
}

TEST_CASE("an unreadable file is an error naming the path", "[config][loader]") {
  llmopt::test::temp_dir dir;
  std::string missing = dir.file("nope.toml");
  auto loaded = load_settings_file(missing, no_env());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().code == "config");
  CHECK(loaded.err().detail.find(missing) == 0);

  auto directory = load_settings_file(dir.path(), no_env());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.err().detail.find(dir.path()) == 0);
}

TEST_CASE("a file's errors name the file", "[config][loader]") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("bad.toml");
  llmopt::test::write_file(path, "[http]\nthreads = 0\n");
  auto loaded = load_settings_file(path, no_env());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().detail == path + ":2:11: http.threads: expected an integer in [1, 64], got 0");
}

TEST_CASE("a configuration past max_config_bytes is refused unread, naming its size",
          "[config][loader]") {
  const std::string comment = "# " + std::string(max_config_bytes, 'x') + "\n";
  auto loaded = parse_settings(comment, "big.toml", no_env());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().code == "config");
  CHECK(loaded.err().detail.rfind("big.toml: " + std::to_string(comment.size()) + " bytes", 0) ==
        0);
  CHECK(parse_settings("# " + std::string(1000, 'x') + "\n", "small.toml", no_env()).ok());
}
