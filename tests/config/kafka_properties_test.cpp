#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;
using llmopt::test::env_of;
using llmopt::test::no_env;

// [kafka.properties]: extra librdkafka properties for every Kafka client.

namespace {

using properties = std::map<std::string, std::string>;

std::string error_of(const std::string& text) {
  auto loaded = parse_settings(text, "c.toml", no_env());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().code == "config");
  return loaded.err().detail;
}

properties properties_of(const std::string& text) {
  auto loaded = parse_settings(text, "c.toml", no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  return loaded->kafka.properties;
}

}  // namespace

TEST_CASE("kafka.properties takes strings, integers, floats and booleans as text",
          "[config][kafka_properties]") {
  CHECK(properties_of(R"([kafka]
brokers = "kafka-1:9093"

[kafka.properties]
"security.protocol" = "SASL_SSL"
"sasl.mechanism" = "PLAIN"
"sasl.username" = "svc"
"message.max.bytes" = 2000000
"linger.ms" = 0.5
"enable.idempotence" = true
"enable.auto.commit" = false
acks = "all"
)") == properties{{"security.protocol", "SASL_SSL"},
                  {"sasl.mechanism", "PLAIN"},
                  {"sasl.username", "svc"},
                  {"message.max.bytes", "2000000"},
                  {"linger.ms", "0.5"},
                  {"enable.idempotence", "true"},
                  {"enable.auto.commit", "false"},
                  {"acks", "all"}});
}

TEST_CASE("kafka.properties may be written inline or with dotted keys",
          "[config][kafka_properties]") {
  CHECK(properties_of("[kafka]\nproperties = { \"client.rack\" = \"eu-1a\", \"fetch.wait.max.ms\" "
                      "= 100 }\n") ==
        properties{{"client.rack", "eu-1a"}, {"fetch.wait.max.ms", "100"}});
  CHECK(properties_of("kafka.properties.\"client.rack\" = \"eu-1a\"\n") ==
        properties{{"client.rack", "eu-1a"}});
  CHECK(properties_of("").empty());
}

TEST_CASE("a kafka.properties value that is not a scalar names the property and place",
          "[config][kafka_properties]") {
  CHECK(error_of("[kafka.properties]\n\"security.protocol\" = \"SSL\"\n\"bootstrap.servers\" = "
                 "[\"a:1\", \"b:2\"]\n") ==
        "c.toml:3:23: kafka.properties.\"bootstrap.servers\": expected a string, number or "
        "boolean, got an array");
  CHECK(error_of("[kafka]\nproperties = { \"x.y\" = { z = 1 } }\n") ==
        "c.toml:2:24: kafka.properties.\"x.y\": expected a string, number or boolean, got a "
        "table; write a dotted name in quotes: \"x.y.z\" = ...");
  CHECK(error_of("[kafka.properties]\n\"ssl.endpoint.identification.algorithm\" = 1979-05-27\n") ==
        "c.toml:2:43: kafka.properties.\"ssl.endpoint.identification.algorithm\": expected a "
        "string, number or boolean, got a date");
  CHECK(error_of("[kafka.properties]\n\"linger.ms\" = inf\n") ==
        "c.toml:2:15: kafka.properties.\"linger.ms\": expected a string, number or boolean, got "
        "inf");
}

TEST_CASE("an unquoted dotted property name gets a hint to quote it",
          "[config][kafka_properties]") {
  // sasl.username = "svc" makes the table "sasl" holding "username".
  std::string detail = error_of("[kafka.properties]\nsasl.username = \"svc\"\n");
  CHECK(detail.find("kafka.properties.\"sasl\": expected a string, number or boolean, got a "
                    "table; write a dotted name in quotes: \"sasl.username\" = ...") !=
        std::string::npos);
  CHECK(detail.rfind("c.toml:2:", 0) == 0);
}

TEST_CASE("kafka.properties must be a table of non-empty names", "[config][kafka_properties]") {
  CHECK(
      error_of("[kafka]\nproperties = \"acks=all\"\n") ==
      "c.toml:2:14: kafka.properties: expected a table of names to strings, numbers or booleans; "
      "a name containing password, secret or key.pem takes a ${NAME} reference, got \"acks=all\"");
  CHECK(error_of("[kafka.properties]\n\"\" = \"x\"\n") ==
        "c.toml:2:1: kafka.properties.\"\": expected a non-empty name, got \"\"");
}

TEST_CASE("a property named like a secret must be a ${VAR} reference",
          "[config][kafka_properties]") {
  const std::string message =
      ": expected a reference such as ${OPENAI_API_KEY}; secrets are never written in config "
      "files, got a literal value";
  CHECK(error_of("[kafka.properties]\n\"sasl.password\" = \"hunter2\"\n") ==
        "c.toml:2:19: kafka.properties.\"sasl.password\"" + message);
  CHECK(error_of("[kafka.properties]\n\"ssl.key.password\" = \"hunter2\"\n") ==
        "c.toml:2:22: kafka.properties.\"ssl.key.password\"" + message);
  CHECK(error_of("[kafka.properties]\n\"ssl.key.pem\" = \"-----BEGIN PRIVATE KEY-----\"\n") ==
        "c.toml:2:17: kafka.properties.\"ssl.key.pem\"" + message);
  CHECK(error_of("[kafka.properties]\n\"sasl.oauthbearer.client.secret\" = \"s3cr3t\"\n") ==
        "c.toml:2:36: kafka.properties.\"sasl.oauthbearer.client.secret\"" + message);
  // A file path is not a secret.
  CHECK(parse_settings("[kafka.properties]\n\"ssl.key.location\" = \"/etc/kafka/client.key\"\n",
                       "c.toml", no_env())
            .ok());
  CHECK(error_of("[kafka.properties]\n\"SASL.PASSWORD\" = 1234\n") ==
        "c.toml:2:19: kafka.properties.\"SASL.PASSWORD\"" + message);
  for (const char* text : {"[kafka.properties]\n\"sasl.password\" = \"hunter2\"\n",
                           "[kafka.properties]\n\"ssl.key.password\" = \"pass${X}\"\n"}) {
    std::string detail = error_of(text);
    CHECK(detail.find("hunter2") == std::string::npos);
    CHECK(detail.find("pass${X}") == std::string::npos);
  }

  // References are kept as written; resolve_properties reads them later.
  CHECK(properties_of(R"([kafka.properties]
"sasl.username" = "svc"
"sasl.password" = "${KAFKA_PASSWORD}"
"ssl.key.password" = "${SSL_KEY_PASSWORD}"
)") == properties{{"sasl.username", "svc"},
                  {"sasl.password", "${KAFKA_PASSWORD}"},
                  {"ssl.key.password", "${SSL_KEY_PASSWORD}"}});
}

TEST_CASE("kafka.properties has no environment override", "[config][kafka_properties]") {
  auto loaded = parse_settings("[kafka.properties]\nacks = \"all\"\n", "c.toml",
                               env_of({{"LLMOPT_KAFKA_PROPERTIES", "acks=1"}}));
  REQUIRE(loaded.ok());
  CHECK(loaded->kafka.properties == properties{{"acks", "all"}});
}

TEST_CASE("resolve_properties replaces ${VAR} values from the environment",
          "[config][kafka_properties]") {
  properties written{{"sasl.username", "svc"},
                     {"sasl.password", "${KAFKA_PASSWORD}"},
                     {"client.rack", "${RACK}"},
                     {"note", "cost: ${not a reference}"}};
  auto resolved =
      resolve_properties(written, env_of({{"KAFKA_PASSWORD", "hunter2"}, {"RACK", "eu-1a"}}));
  INFO((resolved ? std::string() : resolved.err().detail));
  REQUIRE(resolved.ok());
  CHECK(*resolved == properties{{"sasl.username", "svc"},
                                {"sasl.password", "hunter2"},
                                {"client.rack", "eu-1a"},
                                {"note", "cost: ${not a reference}"}});

  auto empty = resolve_properties({}, no_env());
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("resolve_properties names the property and the variable that is not set",
          "[config][kafka_properties]") {
  properties written{{"sasl.username", "svc-literal-user"}, {"sasl.password", "${KAFKA_PASSWORD}"}};
  auto missing = resolve_properties(written, env_of({{"OTHER", "x"}}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code == "config");
  CHECK(missing.err().detail ==
        "kafka.properties.\"sasl.password\": environment variable KAFKA_PASSWORD is not set");

  auto no_function = resolve_properties(written, env_lookup{});
  REQUIRE_FALSE(no_function.ok());
  CHECK(no_function.err().detail == missing.err().detail);
}

TEST_CASE("the [kafka.properties] example in llmopt.example.toml parses when uncommented",
          "[config][kafka_properties]") {
  std::ifstream in(LLMOPT_SOURCE_DIR "/config/llmopt.example.toml");
  REQUIRE(in);
  std::ostringstream example;
  example << in.rdbuf();
  // The commented block: "#   [kafka.properties]" and the "#   " lines after it.
  std::istringstream lines(example.str());
  std::string line, block;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line == "#   [kafka.properties]") inside = true;
    if (inside && line.rfind("#   ", 0) != 0) break;
    if (inside) block += line.substr(4) + "\n";
  }
  REQUIRE_FALSE(block.empty());
  auto loaded = parse_settings(example.str() + "\n" + block, "example+properties.toml", no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  const auto& p = loaded->kafka.properties;
  CHECK(p.at("security.protocol") == "SASL_SSL");
  CHECK(p.at("sasl.password") == "${KAFKA_PASSWORD}");
}
