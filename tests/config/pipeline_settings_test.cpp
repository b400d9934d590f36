#include <catch2/catch.hpp>

#include <cctype>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;
using llmopt::test::env_of;
using llmopt::test::no_env;

// The settings of the production signal pipeline: backpressure watermarks,
// dedup, checkpoints, the consumer group session and the bucketed window.

namespace {

std::string error_of(const std::string& text, const env_lookup& env = no_env()) {
  auto loaded = parse_settings(text, "c.toml", env);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().code == "config");
  return loaded.err().detail;
}

struct bounded {
  const char* section;
  const char* key;
  long long min;
  long long max;
};

const bounded pipeline_settings[] = {
    {"collector", "high_watermark", 1, 10000000}, {"collector", "low_watermark", 0, 10000000},
    {"collector", "dedup_window_s", 0, 86400},    {"collector", "dedup_max_ids", 0, 100000000},
    {"checkpoint", "interval_ms", 50, 3600000},   {"kafka", "session_timeout_ms", 1000, 3600000},
    {"aggregator", "window_buckets", 1, 3600},
};

// "collector.low_watermark" → "COLLECTOR_LOW_WATERMARK"
std::string upper_snake(std::string name) {
  for (auto& c : name)
    c = c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// What a bounds message adds after the range.
std::string extra(const std::string& name) {
  return name == "collector.low_watermark" ? ", less than collector.high_watermark" : "";
}

}  // namespace

TEST_CASE("the pipeline settings are read from the file", "[config][pipeline]") {
  auto loaded = parse_settings(R"([kafka]
session_timeout_ms = 45000

[collector]
high_watermark = 200000
low_watermark = 150000
dedup_window_s = 0
dedup_max_ids = 5000000

[aggregator]
window_buckets = 60

[checkpoint]
interval_ms = 250
)",
                               "c.toml", no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  CHECK(loaded->kafka.session_timeout_ms == 45000);
  CHECK(loaded->collector.high_watermark == 200000);
  CHECK(loaded->collector.low_watermark == 150000);
  CHECK(loaded->collector.dedup_window_s == 0);  // dedup off
  CHECK(loaded->collector.dedup_max_ids == 5000000);
  CHECK(loaded->aggregator.window_buckets == 60);
  CHECK(loaded->checkpoint.interval_ms == 250);
}

TEST_CASE("the pipeline settings refuse values outside their bounds", "[config][pipeline]") {
  for (const auto& s : pipeline_settings) {
    std::string name = std::string(s.section) + "." + s.key;
    INFO(name);
    std::string expected =
        "an integer in [" + std::to_string(s.min) + ", " + std::to_string(s.max) + "]";
    for (long long bad : {s.min - 1, s.max + 1}) {
      std::string value = std::to_string(bad);
      std::string text = "[" + std::string(s.section) + "]\n" + s.key + " = " + value + "\n";
      std::string detail = error_of(text);
      CHECK(detail.rfind("c.toml:2:", 0) == 0);
      CHECK(detail.substr(detail.find(": " + name)) ==
            ": " + name + ": expected " + expected + extra(name) + ", got " + value);
    }
    std::string variable = "LLMOPT_" + upper_snake(name);
    CHECK(error_of("", env_of({{variable, std::to_string(s.max + 1)}})) ==
          "env " + variable + ": expected " + expected + extra(name) + ", got \"" +
              std::to_string(s.max + 1) + "\"");
  }
  CHECK(error_of("[checkpoint]\ninterval_ms = 10\n") ==
        "c.toml:2:15: checkpoint.interval_ms: expected an integer in [50, 3600000], got 10");
  CHECK(error_of("[kafka]\nsession_timeout_ms = 500\n") ==
        "c.toml:2:22: kafka.session_timeout_ms: expected an integer in [1000, 3600000], got 500");
  CHECK(error_of("[collector]\nlow_watermark = -1\n") ==
        "c.toml:2:17: collector.low_watermark: expected an integer in [0, 10000000], less than "
        "collector.high_watermark, got -1");
  CHECK(error_of("[aggregator]\nwindow_buckets = 1.5\n") ==
        "c.toml:2:18: aggregator.window_buckets: expected an integer in [1, 3600], got 1.5");
}

TEST_CASE("the pipeline settings accept their bounds", "[config][pipeline]") {
  auto low = parse_settings(R"([collector]
high_watermark = 1
low_watermark = 0
dedup_window_s = 0
dedup_max_ids = 0
[checkpoint]
interval_ms = 50
[kafka]
session_timeout_ms = 1000
[aggregator]
window_buckets = 1
)",
                            "c.toml", no_env());
  INFO((low ? std::string() : low.err().detail));
  REQUIRE(low.ok());
  CHECK(low->collector.high_watermark == 1);
  CHECK(low->collector.low_watermark == 0);
  auto high = parse_settings(R"([collector]
high_watermark = 10000000
low_watermark = 9999999
dedup_window_s = 86400
dedup_max_ids = 100000000
[checkpoint]
interval_ms = 3600000
[kafka]
session_timeout_ms = 3600000
[aggregator]
window_buckets = 3600
)",
                             "c.toml", no_env());
  INFO((high ? std::string() : high.err().detail));
  REQUIRE(high.ok());
  CHECK(high->collector.dedup_max_ids == 100000000);
  CHECK(high->aggregator.window_buckets == 3600);
}

TEST_CASE("the pipeline settings are overridden by the environment", "[config][pipeline]") {
  auto loaded = parse_settings("[collector]\nhigh_watermark = 1000\nlow_watermark = 10\n", "c.toml",
                               env_of({{"LLMOPT_COLLECTOR_HIGH_WATERMARK", "9000"},
                                       {"LLMOPT_COLLECTOR_LOW_WATERMARK", "8000"},
                                       {"LLMOPT_COLLECTOR_DEDUP_WINDOW_S", "30"},
                                       {"LLMOPT_COLLECTOR_DEDUP_MAX_IDS", "1234"},
                                       {"LLMOPT_CHECKPOINT_INTERVAL_MS", "60000"},
                                       {"LLMOPT_KAFKA_SESSION_TIMEOUT_MS", "6000"},
                                       {"LLMOPT_AGGREGATOR_WINDOW_BUCKETS", "6"}}));
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  CHECK(loaded->collector.high_watermark == 9000);
  CHECK(loaded->collector.low_watermark == 8000);
  CHECK(loaded->collector.dedup_window_s == 30);
  CHECK(loaded->collector.dedup_max_ids == 1234);
  CHECK(loaded->checkpoint.interval_ms == 60000);
  CHECK(loaded->kafka.session_timeout_ms == 6000);
  CHECK(loaded->aggregator.window_buckets == 6);
}

TEST_CASE("low_watermark must stay below high_watermark, and the error names both",
          "[config][pipeline]") {
  // Both written: the low one is wrong.
  CHECK(error_of("[collector]\nhigh_watermark = 100\nlow_watermark = 100\n") ==
        "c.toml:3:17: collector.low_watermark: expected an integer less than "
        "collector.high_watermark (100), got 100");
  CHECK(error_of("[collector]\nlow_watermark = 500\nhigh_watermark = 100\n") ==
        "c.toml:2:17: collector.low_watermark: expected an integer less than "
        "collector.high_watermark (100), got 500");
  // Only low written, above the default high.
  CHECK(error_of("[collector]\nlow_watermark = 60000\n") ==
        "c.toml:2:17: collector.low_watermark: expected an integer less than "
        "collector.high_watermark (50000), got 60000");
  // Only high written, at or below the default low: the high one is wrong.
  CHECK(error_of("[collector]\nhigh_watermark = 1000\n") ==
        "c.toml:2:18: collector.high_watermark: expected an integer greater than "
        "collector.low_watermark (25000), got 1000");
  CHECK(error_of("[collector]\nhigh_watermark = 25000\n") ==
        "c.toml:2:18: collector.high_watermark: expected an integer greater than "
        "collector.low_watermark (25000), got 25000");
  // From the environment, in the environment's format.
  CHECK(error_of("", env_of({{"LLMOPT_COLLECTOR_LOW_WATERMARK", "50000"}})) ==
        "env LLMOPT_COLLECTOR_LOW_WATERMARK: expected an integer less than "
        "collector.high_watermark (50000), got \"50000\"");
  CHECK(error_of("", env_of({{"LLMOPT_COLLECTOR_HIGH_WATERMARK", "10"}})) ==
        "env LLMOPT_COLLECTOR_HIGH_WATERMARK: expected an integer greater than "
        "collector.low_watermark (25000), got \"10\"");
  // The environment lowers high below a low written in the file.
  CHECK(error_of("[collector]\nlow_watermark = 100\n",
                 env_of({{"LLMOPT_COLLECTOR_HIGH_WATERMARK", "100"}})) ==
        "c.toml:2:17: collector.low_watermark: expected an integer less than "
        "collector.high_watermark (100), got 100");
  // Raising high alone past the default low is fine, and so is lowering both.
  CHECK(parse_settings("[collector]\nhigh_watermark = 25001\n", "c.toml", no_env()).ok());
  CHECK(parse_settings("[collector]\nhigh_watermark = 2\nlow_watermark = 1\n", "c.toml", no_env())
            .ok());
}

TEST_CASE("aggregator.window_max_samples is no longer a setting", "[config][pipeline]") {
  CHECK(error_of("[aggregator]\nwindow_s = 60\nwindow_max_samples = 2048\n") ==
        "c.toml:3:1: aggregator.window_max_samples: unknown key");
  CHECK(render_defaults().find("window_max_samples") == std::string::npos);
  CHECK(render_defaults().find("\naggregator.window_buckets = 12\n") != std::string::npos);
}
