// The providers' official npm clients (openai, @anthropic-ai/sdk,
// @google/genai, ollama; pinned in tests/npm) against `llmopt provider-sim`:
// each SDK parses every reply and stream event strictly, so a wire shape the
// simulator gets wrong fails here. tests/npm/sim_clients.mjs holds the checks.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

const std::string npm_dir = LLMOPT_SOURCE_DIR "/tests/npm";

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

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
  const auto node = run({"node", "--version"});
  if (node.exit_code != 0)
    FAIL("node is not installed: run deploy/install-deps.sh (" << node.err << ")");
  if (!exists(npm_dir + "/node_modules/openai") ||
      !exists(npm_dir + "/node_modules/@anthropic-ai/sdk") ||
      !exists(npm_dir + "/node_modules/@google/genai") || !exists(npm_dir + "/node_modules/ollama"))
    FAIL("tests/npm/node_modules is missing the pinned clients: run deploy/install-deps.sh");

  temp_dir dir;
  write_file(dir.file("models.json"), models_json());
  child_process sim(
      {LLMOPT_BINARY, "provider-sim", "--port", "0", "--models", dir.file("models.json")});
  auto line = sim.await_line(
      [](const std::string& l) { return l.find("provider-sim serving") != std::string::npos; },
      std::chrono::seconds(10));
  REQUIRE(line);
  // "... at http://127.0.0.1:PORT/v1": the clients are given the root.
  auto base = line->substr(line->find("http://"));
  const auto root = base.substr(0, base.rfind("/v1"));

  auto r = run({"node", npm_dir + "/sim_clients.mjs", root}, {}, std::chrono::seconds(120));
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  auto summary = nlohmann::json::parse(r.out);
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
