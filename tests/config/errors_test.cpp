#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;

namespace {

// The error detail of loading `text` as "c.toml"; fails the test if it loads.
std::string error_of(const std::string& text) {
  auto loaded = parse_settings(text, "c.toml", llmopt::test::no_env());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.err().code == "config");
  return loaded.err().detail;
}

// A valid world to break one piece of: two providers, two models, a route.
const std::string world = R"([[providers]]
name = "sim"
kind = "simulated"

[[providers]]
name = "openai"
base_url = "https://api.openai.com/v1"
api_key = "${OPENAI_API_KEY}"

[[models]]
id = "sim:fast"
simulation = { latency_ms = { median = 100, p95 = 200 }, error_rate = 0.01, quality = 0.6 }

[[models]]
id = "openai:gpt-4o"
price_in_per_mtok = 2.5
)";

}  // namespace

TEST_CASE("the world used by the error tests is valid", "[config][errors]") {
  auto loaded = parse_settings(world, "c.toml", llmopt::test::no_env());
  INFO((loaded ? std::string() : loaded.err().detail));
  REQUIRE(loaded.ok());
  CHECK(loaded->providers[1].api_key == "${OPENAI_API_KEY}");
}

TEST_CASE("a value of the wrong type names place, key and expectation", "[config][errors]") {
  CHECK(error_of("[http]\nthreads = \"two\"\n") ==
        "c.toml:2:11: http.threads: expected an integer in [1, 64], got \"two\"");
  CHECK(error_of("state_dir = 3\n") ==
        "c.toml:1:13: state_dir: expected a non-empty string, got 3");
  CHECK(error_of("decision.exploration_floor = true\n") ==
        "c.toml:1:30: decision.exploration_floor: expected a number in [0, 0.5], got true");
  CHECK(error_of("http = 5\n") == "c.toml:1:8: http: expected a table, got 5");
}

TEST_CASE("a value out of bounds names the bounds", "[config][errors]") {
  CHECK(error_of("[http]\nthreads = 65\n") ==
        "c.toml:2:11: http.threads: expected an integer in [1, 64], got 65");
  CHECK(error_of("[decision]\nmin_weight_change = 1.5\n") ==
        "c.toml:2:21: decision.min_weight_change: expected a number in [0, 1], got 1.5");
  CHECK(error_of("[http]\nlisten = \"localhost\"\n") ==
        "c.toml:2:10: http.listen: expected \"host:port\" with a port in [0, 65535], got "
        "\"localhost\"");
  CHECK(error_of("[http]\nlisten = \"0.0.0.0:70000\"\n").find("got \"0.0.0.0:70000\"") !=
        std::string::npos);
}

TEST_CASE("a value outside an enumeration lists the choices", "[config][errors]") {
  CHECK(error_of("[log]\nlevel = \"verbose\"\n") ==
        "c.toml:2:9: log.level: expected one of trace, debug, info, warn, error, got \"verbose\"");
  CHECK(error_of("[[providers]]\nname = \"x\"\nkind = \"grpc\"\n") ==
        "c.toml:3:8: providers[0].kind: expected one of openai, anthropic, gemini, ollama, openai_compatible, simulated, got "
        "\"grpc\"");
}

TEST_CASE("an unknown key is an error, with a suggestion for a near miss", "[config][errors]") {
  CHECK(error_of("[http]\nthread = 2\n") ==
        "c.toml:2:1: http.thread: unknown key, did you mean http.threads?");
  CHECK(error_of("\n\nfavourite_colour = \"blue\"\n") ==
        "c.toml:3:1: favourite_colour: unknown key");
  CHECK(error_of("[kafka.topic]\ncost = \"x\"\n") ==
        "c.toml:1:8: kafka.topic: unknown key, did you mean kafka.topics?");
  CHECK(error_of(world + "[[routes]]\nname = \"r\"\ncandidate = [\"sim:fast\"]\n") ==
        "c.toml:19:1: routes[0].candidate: unknown key, did you mean candidates?");
}

TEST_CASE("a misspelt array or section name gets a suggestion", "[config][errors]") {
  CHECK(error_of("[[route]]\nname = \"r\"\n") ==
        "c.toml:1:3: route: unknown key, did you mean routes?");
  CHECK(error_of(world + "[[models]]\nid = \"sim:slow\"\nsimulation = { latency_ms = { median = 5, "
                         "p95 = 9 }, error_rate = 0, qualty = 1 }\n") ==
        "c.toml:19:70: models[2].simulation.qualty: unknown key, did you mean simulation.quality?");
}

TEST_CASE("a missing required key points at its entry's header", "[config][errors]") {
  CHECK(error_of(world + "\n[[routes]]\nname = \"r\"\n") ==
        "c.toml:18:1: routes[0].candidates: expected a non-empty array of model ids, got nothing");
  CHECK(error_of("[[providers]]\nkind = \"simulated\"\n") ==
        "c.toml:1:1: providers[0].name: expected a non-empty name without ':', got nothing");
  // Inside a present optional section, at the section.
  CHECK(error_of(world + "[[models]]\nid = \"sim:slow\"\nsimulation = { error_rate = 0, quality = "
                         "1, latency_ms = { median = 5 } }\n") ==
        "c.toml:19:58: models[2].simulation.latency_ms.p95: expected a number, got nothing");
}

TEST_CASE("a route candidate must be a declared model, listed once", "[config][errors]") {
  CHECK(error_of(world +
                 "[[routes]]\nname = \"chat\"\ncandidates = [\"sim:fast\", \"sim:gone\"]\n") ==
        "c.toml:19:27: routes[0].candidates[1]: expected a model declared in [[models]], got "
        "\"sim:gone\"");
  CHECK(error_of(world +
                 "[[routes]]\nname = \"chat\"\ncandidates = [\"sim:fast\", \"sim:fast\"]\n") ==
        "c.toml:19:27: routes[0].candidates[1]: expected a model not already listed, got "
        "\"sim:fast\"");
  CHECK(
      error_of(world + "[[routes]]\nname = \"chat\"\ncandidates = []\n") ==
      "c.toml:19:14: routes[0].candidates: expected a non-empty array of model ids, got an array");
  CHECK(error_of(world + "[[routes]]\nname = \"chat\"\ncandidates = [\"gpt-4o\"]\n") ==
        "c.toml:19:15: routes[0].candidates[0]: expected a model id \"provider:model\", got "
        "\"gpt-4o\"");
}

TEST_CASE("a route's name has no ':' and its objective is usable", "[config][errors]") {
  CHECK(error_of(world + "[[routes]]\nname = \"sim:fast\"\ncandidates = [\"sim:fast\"]\n") ==
        "c.toml:18:8: routes[0].name: expected a non-empty name without ':', got \"sim:fast\"");
  CHECK(error_of(world +
                 "[[routes]]\nname = \"r\"\ncandidates = [\"sim:fast\"]\nobjective = { quality "
                 "= 0, cost = 0, latency = 0 }\n") ==
        "c.toml:20:13: routes[0].objective: expected weights quality, cost and latency with a sum "
        "> 0, got a table");
  CHECK(error_of(world + "[[routes]]\nname = \"r\"\ncandidates = [\"sim:fast\"]\nobjective = { "
                         "quality = 1.2 }\n") ==
        "c.toml:20:25: routes[0].objective.quality: expected a number in [0, 1], got 1.2");
  CHECK(error_of(world +
                 "[[routes]]\nname = \"r\"\ncandidates = [\"sim:fast\"]\ncost_ref_usd = 0\n") ==
        "c.toml:20:16: routes[0].cost_ref_usd: expected a number in (0, 1000], got 0");
}

TEST_CASE("a model's provider must be declared", "[config][errors]") {
  CHECK(error_of(world + "[[models]]\nid = \"mistral:large\"\n") ==
        "c.toml:18:6: models[2].id: expected a model of a provider declared in [[providers]], got "
        "\"mistral:large\"");
  CHECK(error_of(world + "[[models]]\nid = \"large\"\n") ==
        "c.toml:18:6: models[2].id: expected a model id \"provider:model\", got \"large\"");
}

TEST_CASE("a simulated provider's model needs a valid simulation", "[config][errors]") {
  CHECK(error_of(world + "[[models]]\nid = \"sim:slow\"\n") ==
        "c.toml:17:1: models[2].simulation: expected a table { latency_ms = { median, p95 }, "
        "error_rate, quality } for a model of simulated provider \"sim\", got nothing");
  CHECK(error_of(world + "[[models]]\nid = \"sim:slow\"\nsimulation = { latency_ms = { median = "
                         "500, p95 = 100 }, error_rate = 0, quality = 1 }\n") ==
        "c.toml:19:51: models[2].simulation.latency_ms.p95: expected a number >= "
        "latency_ms.median, got 100");
  CHECK(error_of(world + "[[models]]\nid = \"sim:slow\"\nsimulation = { latency_ms = { median = "
                         "5, p95 = 10 }, error_rate = 2, quality = 1 }\n") ==
        "c.toml:19:68: models[2].simulation.error_rate: expected a number in [0, 1], got 2");
  CHECK_THAT(error_of(world + "[[models]]\nid = \"sim:slow\"\nsimulation = { latency_ms = { "
                              "median = 5, p95 = 10 }, error_rate = 0, quality = 1, "
                              "output_tokens = -3 }\n"),
             Catch::Contains("models[2].simulation.output_tokens") &&
                 Catch::Contains("got -3"));
}

TEST_CASE("names are unique within providers, models and routes", "[config][errors]") {
  CHECK(error_of(world + "[[providers]]\nname = \"sim\"\nkind = \"simulated\"\n") ==
        "c.toml:18:8: providers[2].name: expected a provider name not used by providers[0], got "
        "\"sim\"");
  CHECK(error_of(world + "[[models]]\nid = \"openai:gpt-4o\"\n") ==
        "c.toml:18:6: models[2].id: expected a model id not used by models[1], got "
        "\"openai:gpt-4o\"");
  CHECK(error_of(world + "[[routes]]\nname = \"r\"\ncandidates = [\"sim:fast\"]\n[[routes]]\nname "
                         "= \"r\"\ncandidates = [\"sim:fast\"]\n") ==
        "c.toml:21:8: routes[1].name: expected a route name not used by routes[0], got \"r\"");
}

TEST_CASE("a literal api key is refused without repeating it", "[config][errors]") {
  std::string detail = error_of(
      "[[providers]]\nname = \"openai\"\nbase_url = \"https://x\"\napi_key = \"sk-123\"\n");
  CHECK(detail ==
        "c.toml:4:11: providers[0].api_key: expected a reference such as ${OPENAI_API_KEY}; "
        "secrets are never written in config files, got a literal value");
  CHECK(detail.find("sk-123") == std::string::npos);
}

TEST_CASE("an openai_compatible provider needs an http(s) base_url", "[config][errors]") {
  CHECK(error_of("[[providers]]\nname = \"openai\"\n") ==
        "c.toml:1:1: providers[0].base_url: expected an http:// or https:// URL for kind "
        "\"openai_compatible\", got nothing");
  CHECK(error_of("[[providers]]\nname = \"openai\"\nbase_url = \"ftp://x\"\n") ==
        "c.toml:3:12: providers[0].base_url: expected an http:// or https:// URL, got \"ftp://x\"");
}

TEST_CASE("a TOML syntax error gives the place and toml++'s description", "[config][errors]") {
  std::string detail = error_of("[http]\nthreads = 2\nlisten = \n");
  CHECK(detail.rfind("c.toml:3:", 0) == 0);
  CHECK(detail.find(": invalid TOML: ") != std::string::npos);
  CHECK(error_of("a = 1\na = 2\n").rfind("c.toml:2:", 0) == 0);
}

TEST_CASE("an array written as a table is refused", "[config][errors]") {
  CHECK(error_of("[routes]\nname = \"r\"\n") ==
        "c.toml:1:1: routes: expected an array of tables [[routes]], got a table");
  CHECK(error_of("routes = [1]\n") == "c.toml:1:11: routes[0]: expected a table, got 1");
}
