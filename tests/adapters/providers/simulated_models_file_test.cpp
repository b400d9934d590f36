#include <catch2/catch.hpp>

#include "adapters/providers/simulated_models_file.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt;

namespace {

const char* const two_models = R"([
  {"id": "openai:gpt-4o", "price_in_per_mtok": 2.5, "price_out_per_mtok": 10,
   "latency_ms": {"median": 900, "p95": 1800}, "error_rate": 0.01, "quality": 0.86},
  {"id": "openai:gpt-4o-mini", "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6,
   "latency_ms": {"median": 400, "p95": 900}, "error_rate": 0.005, "quality": 0.7}
])";

}  // namespace

TEST_CASE("load_simulated_models_file reads a bare array of models") {
  llmopt::test::temp_dir dir;
  llmopt::test::write_file(dir.file("models.json"), two_models);
  auto models = load_simulated_models_file(dir.file("models.json"));
  REQUIRE(models.ok());
  REQUIRE(models->size() == 2);
  CHECK((*models)[0].id == "openai:gpt-4o");
  CHECK((*models)[0].price.out_per_mtok == 10);
  CHECK((*models)[1].behaviour.latency_p95_ms == 900);
}

TEST_CASE("load_simulated_models_file reads the models of a scenario file") {
  llmopt::test::temp_dir dir;
  llmopt::test::write_file(dir.file("scenario.json"), std::string(R"({"name": "x", "seed": 7,
    "routes": [], "models": )") + two_models + "}");
  auto models = load_simulated_models_file(dir.file("scenario.json"));
  REQUIRE(models.ok());
  CHECK(models->size() == 2);
  CHECK((*models)[1].id == "openai:gpt-4o-mini");
}

TEST_CASE("load_simulated_models_file names the file and the bad field") {
  llmopt::test::temp_dir dir;
  const auto path = dir.file("bad.json");
  SECTION("a bad field") {
    llmopt::test::write_file(path, R"([{"id": "a:b", "price_in_per_mtok": 1,
      "price_out_per_mtok": 1, "latency_ms": {"median": 10}, "error_rate": 0, "quality": 1}])");
    auto r = load_simulated_models_file(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().detail.find(path) != std::string::npos);
    CHECK(r.err().detail.find("models[0].latency_ms.p95") != std::string::npos);
  }
  SECTION("not JSON") {
    llmopt::test::write_file(path, "[{");
    auto r = load_simulated_models_file(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == "invalid_json");
  }
  SECTION("an object without models") {
    llmopt::test::write_file(path, R"({"name": "x"})");
    auto r = load_simulated_models_file(path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().detail.find("models") != std::string::npos);
  }
  SECTION("a missing file") {
    auto r = load_simulated_models_file(dir.file("absent.json"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == "cannot_read");
  }
}

TEST_CASE("load_simulated_models_file reads the simulator's stream fields") {
  llmopt::test::temp_dir dir;
  const auto path = dir.file("models.json");
  llmopt::test::write_file(path, R"([{"id": "a:b", "price_in_per_mtok": 1,
    "price_out_per_mtok": 1, "latency_ms": {"median": 10, "p95": 20}, "error_rate": 0,
    "quality": 1, "ttft_ms": 5, "tokens_per_s": 40, "output_tokens": 100},
    {"id": "a:c", "price_in_per_mtok": 1, "price_out_per_mtok": 1,
     "latency_ms": {"median": 10, "p95": 20}, "error_rate": 0, "quality": 1}])");
  auto models = load_simulated_models_file(path);
  REQUIRE(models.ok());
  CHECK((*models)[0].ttft_ms == 5.0);
  CHECK((*models)[0].tokens_per_s == 40.0);
  CHECK((*models)[0].output_tokens == 100);
  CHECK_FALSE((*models)[1].ttft_ms);
  CHECK_FALSE((*models)[1].output_tokens);

  llmopt::test::write_file(path, R"([{"id": "a:b", "price_in_per_mtok": 1,
    "price_out_per_mtok": 1, "latency_ms": {"median": 10, "p95": 20}, "error_rate": 0,
    "quality": 1, "output_tokens": 2.5}])");
  auto bad = load_simulated_models_file(path);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().detail.find("models[0].output_tokens") != std::string::npos);
}
