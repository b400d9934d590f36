// The official openai and @anthropic-ai/sdk npm clients (pinned in tests/npm)
// as the clients of `llmopt serve`, as an application points them at it:
// every route, each native provider format behind it, plain and streamed
// answers, tools, images, structured output and typed errors.
// tests/npm/gateway_clients.mjs holds the checks.

#include <catch2/catch.hpp>

#include <map>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

// One simulated provider per wire format, a fast model each, route "chat"
// over all four and a route "via-PROVIDER" over each one alone, so every
// native translation is driven on purpose.
std::string four_formats_config() {
  std::string config = R"(state_dir = "${STATE_DIR}"

[http]
listen = "127.0.0.1:0"
[auth]
required = false

[decision]
tick_ms = 200

[log]
level = "info"
)";
  struct provider {
    const char* name;
    const char* format;
    const char* model;
  };
  const provider providers[] = {{"openai", "openai", "openai:gpt-sim"},
                                {"anthropic", "anthropic", "anthropic:claude-sim"},
                                {"google", "gemini", "google:gemini-sim"},
                                {"ollama", "ollama", "ollama:llama-sim"}};
  std::string all;
  for (const auto& p : providers) {
    config += std::string("\n[[providers]]\nname = \"") + p.name +
              "\"\nkind = \"simulated\"\nformat = \"" + p.format + "\"\n";
    all += std::string(all.empty() ? "" : ", ") + "\"" + p.model + "\"";
  }
  for (const auto& p : providers)
    config += std::string("\n[[models]]\nid = \"") + p.model +
              "\"\nprice_in_per_mtok = 1.0\nprice_out_per_mtok = 2.0\nquality_prior = 0.8\n"
              "simulation = { latency_ms = { median = 20, p95 = 40 }, error_rate = 0.0, "
              "quality = 0.8, output_tokens = 40 }\n";
  config += "\n[[routes]]\nname = \"chat\"\ncandidates = [" + all + "]\n";
  for (const auto& p : providers)
    config += std::string("\n[[routes]]\nname = \"via-") + p.name + "\"\ncandidates = [\"" +
              p.model + "\"]\n";
  return config;
}

}  // namespace

TEST_CASE("the openai and anthropic SDKs drive every route and native format of the gateway",
          "[npm]") {
  running_daemon d(four_formats_config());
  auto npm = run_npm_script("gateway_clients.mjs", {d.url()}, {"openai", "@anthropic-ai/sdk"});
  const auto& r = npm.process;
  const auto& summary = npm.summary;
  {
    INFO("exit code " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE_FALSE(summary.is_discarded());
  }
  // Every check by name, so a failure says which and why.
  for (const auto& check : summary["results"]) {
    INFO(check["sdk"].get<std::string>()
         << ": " << check["name"].get<std::string>() << "\n  " << check.value("error", ""));
    CHECK(check["ok"] == true);
  }
  CHECK(r.exit_code == 0);
  CHECK(summary["failed"] == 0);
  CHECK(summary["passed"] == summary["checks"]);
  // Nothing skipped: every route with each SDK's checks.
  CHECK(summary["routes"].size() == 5);
  CHECK(summary["routes"]["chat"].size() == 4);
  CHECK(summary["routes"]["via-google"] == nlohmann::json::array({"google:gemini-sim"}));
  std::map<std::string, int> per_route;
  for (const auto& check : summary["results"]) {
    const auto name = check["sdk"].get<std::string>() + " " + check["name"].get<std::string>();
    per_route[name.substr(0, name.find(':'))]++;
  }
  for (const char* route : {"chat", "via-openai", "via-anthropic", "via-google", "via-ollama"}) {
    INFO(route);
    CHECK(per_route[std::string("openai ") + route] >= 14);
    CHECK(per_route[std::string("anthropic ") + route] >= 13);
  }
}
