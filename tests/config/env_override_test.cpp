#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;
using llmopt::test::env_of;
using llmopt::test::no_env;

TEST_CASE("LLMOPT_ variables override file values and defaults", "[config][env]") {
  auto env = env_of({{"LLMOPT_KAFKA_BROKERS", "kafka-1:9092,kafka-2:9092"},
                     {"LLMOPT_HTTP_LISTEN", "0.0.0.0:9000"},
                     {"LLMOPT_HTTP_THREADS", "16"},
                     {"LLMOPT_STATE_DIR", "/var/lib/llmopt"},
                     {"LLMOPT_KAFKA_TOPICS_COST", "team.cost"},
                     {"LLMOPT_DECISION_EXPLORATION_FLOOR", "0.2"},
                     {"LLMOPT_LOG_FORMAT", "json"},
                     {"UNRELATED", "1"}});
  auto loaded = parse_settings("[http]\nthreads = 4\n", "e.toml", env);
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  CHECK(loaded->kafka.brokers == "kafka-1:9092,kafka-2:9092");
  CHECK(loaded->http.listen == "0.0.0.0:9000");
  CHECK(loaded->http.threads == 16);  // the environment wins over the file
  CHECK(loaded->state_dir == "/var/lib/llmopt");
  CHECK(loaded->store_path() == "/var/lib/llmopt/llmopt.db");
  CHECK(loaded->kafka.topic_cost == "team.cost");
  CHECK(loaded->kafka.topic_latency == "llm.signals.latency");
  CHECK(loaded->decision.exploration_floor == Approx(0.2));
  CHECK(loaded->log.format == "json");
}

TEST_CASE("an override may empty a string setting", "[config][env]") {
  auto loaded = parse_settings("[kafka]\nbrokers = \"k:9092\"\n", "e.toml",
                               env_of({{"LLMOPT_KAFKA_BROKERS", ""}}));
  REQUIRE(loaded.ok());
  CHECK(loaded->kafka.brokers.empty());
}

TEST_CASE("overrides are checked against the same bounds", "[config][env]") {
  auto error_of = [](const char* name, const char* value) {
    auto loaded = parse_settings("", "e.toml", env_of({{name, value}}));
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.err().code == "config");
    return loaded.err().detail;
  };
  CHECK(error_of("LLMOPT_HTTP_THREADS", "x") ==
        "env LLMOPT_HTTP_THREADS: expected an integer in [1, 64], got \"x\"");
  CHECK(error_of("LLMOPT_HTTP_THREADS", "100") ==
        "env LLMOPT_HTTP_THREADS: expected an integer in [1, 64], got \"100\"");
  CHECK(error_of("LLMOPT_HTTP_THREADS", "4 ") ==
        "env LLMOPT_HTTP_THREADS: expected an integer in [1, 64], got \"4 \"");
  CHECK(error_of("LLMOPT_HTTP_THREADS", "") ==
        "env LLMOPT_HTTP_THREADS: expected an integer in [1, 64], got \"\"");
  CHECK(error_of("LLMOPT_DECISION_EXPLORATION_FLOOR", "nan") ==
        "env LLMOPT_DECISION_EXPLORATION_FLOOR: expected a number in [0, 0.5], got \"nan\"");
  CHECK(error_of("LLMOPT_LOG_LEVEL", "loud") ==
        "env LLMOPT_LOG_LEVEL: expected one of trace, debug, info, warn, error, got \"loud\"");
  CHECK(error_of("LLMOPT_HTTP_LISTEN", "8080") ==
        "env LLMOPT_HTTP_LISTEN: expected \"host:port\" with a port in [0, 65535], got \"8080\"");
  CHECK(error_of("LLMOPT_STATE_DIR", "") ==
        "env LLMOPT_STATE_DIR: expected a non-empty string, got \"\"");
}

TEST_CASE("an absent env function means no overrides", "[config][env]") {
  auto loaded = parse_settings("[http]\nthreads = 4\n", "e.toml", env_lookup{});
  REQUIRE(loaded.ok());
  CHECK(loaded->http.threads == 4);
}

TEST_CASE("resolve_secret reads a ${NAME} reference from the environment", "[config][env]") {
  auto env = env_of({{"OPENAI_API_KEY", "sk-live-123"}});
  auto resolved = resolve_secret("${OPENAI_API_KEY}", env);
  REQUIRE(resolved.ok());
  CHECK(*resolved == "sk-live-123");

  auto empty = resolve_secret("", env);
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  auto missing = resolve_secret("${ANTHROPIC_API_KEY}", env);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code == "config");
  CHECK(missing.err().detail.find("ANTHROPIC_API_KEY") != std::string::npos);

  auto literal = resolve_secret("sk-live-123", env);
  REQUIRE_FALSE(literal.ok());
  CHECK(literal.err().detail.find("sk-live-123") == std::string::npos);
}
