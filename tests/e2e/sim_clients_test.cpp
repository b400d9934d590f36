// The providers' official npm clients (openai, @anthropic-ai/sdk,
// @google/genai, ollama; pinned in tests/npm) against `llmopt provider-sim`:
// each SDK parses every reply and stream event strictly, so a wire shape the
// simulator gets wrong fails here. tests/npm/sim_clients.mjs holds the checks.

#include <catch2/catch.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

// One model per provider, fast and sized so the checks can count tokens.
std::string models_json() {
  std::string out = "[";
  for (const char* id :
       {"openai:gpt-sim", "anthropic:claude-sim", "google:gemini-sim", "ollama:llama-sim"}) {
    if (out.size() > 1) out += ",";
    out += std::string(R"({"id":")") + id +
           R"(","price_in_per_mtok":1,"price_out_per_mtok":2,)"
           R"("latency_ms":{"median":20,"p95":40},"error_rate":0,"quality":0.9,)"
           R"("output_tokens":12})";
  }
  return out + "]";
}

}  // namespace

TEST_CASE("the providers' npm clients parse every reply and stream of provider-sim", "[npm]") {
  temp_dir dir;
  sim_process sim(dir, "models", models_json());
  auto npm = run_npm_script("sim_clients.mjs", {sim.root()},
                            {"openai", "@anthropic-ai/sdk", "@google/genai", "ollama"});
  const auto& r = npm.process;
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto& summary = npm.summary;
  CHECK(summary["ok"] == true);
  CHECK(summary["failed"] == 0);
  CHECK(summary["passed"] == summary["checks"]);
  CHECK(summary["checks"].get<int>() >= 40);
  for (const char* f : {"openai", "anthropic", "gemini", "ollama"}) {
    INFO(f);
    CHECK(summary["by_format"][f]["passed"].get<int>() >= 9);
    CHECK(summary["by_format"][f]["failed"] == 0);
  }
  CHECK(summary["models"]["gemini"] == "google:gemini-sim");
}
