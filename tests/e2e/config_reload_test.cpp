// A running daemon takes a new configuration without a restart: by
// POST /admin/v1/config, by SIGHUP (the file read again) and by
// `llmopt config rollback ID`. Each is validated first, applied whole, saved
// as a snapshot with its source; a bad one, or one that changes a setting
// only a restart applies, changes nothing; requests in flight finish on the
// configuration they started with.

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/text.hpp"

namespace llmopt::test {
namespace {

const std::string admin_secret = "admin-secret-value-93c2";
const std::string admin = "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n";

// A second route, on a model of a provider the first config does not have.
const std::string second_route = R"(
[[providers]]
name = "mistral"
kind = "simulated"

[[models]]
id = "mistral:small"
price_in_per_mtok = 0.2
price_out_per_mtok = 0.6
quality_prior = 0.7
simulation = { latency_ms = { median = 10, p95 = 20 }, error_rate = 0.0, quality = 0.7 }

[[routes]]
name = "summarize"
candidates = ["mistral:small"]
)";

nlohmann::json config_in_force(running_daemon& d) {
  auto r = d.admin("GET", "/admin/v1/config");
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

// `text` with its one `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("POST /admin/v1/config applies a new route at once, saved as a snapshot", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", admin), admin_secret);
  const std::string first = read_file(d.config_path());
  const long long started_as = config_in_force(d)["snapshot"];
  REQUIRE(d.chat("summarize").status == 404);

  auto applied = d.admin("POST", "/admin/v1/config", first + second_route);
  INFO(applied.body);
  REQUIRE(applied.status == 200);
  auto doc = nlohmann::json::parse(applied.body);
  CHECK(doc["snapshot"] == started_as + 1);
  CHECK(doc["source"] == "POST /admin/v1/config");
  CHECK(doc["changes"] ==
        nlohmann::json::array({"provider mistral", "model mistral:small", "route summarize"}));
  // The new route is decided at once (its trigger says why) and served.
  REQUIRE(eventually([&] { return d.routes().contains("summarize"); }));
  auto answer = d.chat("summarize");
  INFO(answer.body);
  CHECK(answer.status == 200);
  CHECK(answer.headers["x-llmopt-model"] == "mistral:small");
  auto decisions = d.decisions({"--route", "summarize"});
  REQUIRE(decisions.size() >= 1);
  CHECK(decisions.back()["trigger"].get<std::string>().find(
            "configuration snapshot " + std::to_string(started_as + 1)) != std::string::npos);
  CHECK(decisions.back()["trigger_data"][0]["kind"] == "config");
  CHECK(decisions.back()["trigger_data"][0]["snapshot"] == started_as + 1);
  CHECK(config_in_force(d)["source"] == "POST /admin/v1/config");
  // /v1/models lists it.
  auto models = nlohmann::json::parse(http_get(d.url() + "/v1/models").body);
  CHECK(models.dump().find("\"summarize\"") != std::string::npos);

  // Invalid: names the source, line and key; nothing changes.
  auto bad = d.admin("POST", "/admin/v1/config",
                     with(first + second_route, "candidates = [\"mistral:small\"]",
                          "candidates = [\"mistral:large\"]"));
  INFO(bad.body);
  CHECK(bad.status == 400);
  CHECK(bad.body.find("POST /admin/v1/config:") != std::string::npos);
  CHECK(bad.body.find("routes[1].candidates") != std::string::npos);
  // A setting only a restart applies: refused, nothing changes.
  auto fixed = d.admin("POST", "/admin/v1/config",
                       with(first + second_route, "tick_ms = 200", "tick_ms = 300"));
  INFO(fixed.body);
  CHECK(fixed.status == 409);
  CHECK(fixed.body.find("decision.tick_ms") != std::string::npos);
  CHECK(config_in_force(d)["snapshot"] == started_as + 1);
  CHECK(d.chat("summarize").status == 200);

  // The route removed again: it leaves the table and is unknown.
  auto removed = d.admin("POST", "/admin/v1/config", first);
  INFO(removed.body);
  REQUIRE(removed.status == 200);
  REQUIRE(eventually([&] { return !d.routes().contains("summarize"); }));
  CHECK(d.chat("summarize").status == 404);
  CHECK(d.chat("chat").status == 200);

  // Without the admin token: refused.
  auto anonymous = http_request("POST", d.url() + "/admin/v1/config", first);
  CHECK(anonymous.status == 401);
}

TEST_CASE("SIGHUP reads the file again and config rollback restores a snapshot", "[e2e]") {
  running_daemon d(simulated_config("${STATE_DIR}", admin), admin_secret);
  const std::string first = read_file(d.config_path());
  const long long started_as = config_in_force(d)["snapshot"];
  // A provider whose key is a reference to a secret in the environment.
  const std::string keyed = R"(
[[providers]]
name = "azure"
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
api_key = "${ADMIN_TOKEN}"
)";
  write_file(d.config_path(), first + second_route + keyed);
  d.process().signal(SIGHUP);
  REQUIRE(eventually([&] { return config_in_force(d)["snapshot"] == started_as + 1; }));
  CHECK(config_in_force(d)["source"] == d.config_path());
  REQUIRE(eventually([&] { return d.routes().contains("summarize"); }));

  // A bad file on SIGHUP changes nothing: the daemon keeps serving.
  write_file(d.config_path(), "[http]\nthreads = \"two\"\n");
  d.process().signal(SIGHUP);
  CHECK(d.chat("summarize").status == 200);
  CHECK(config_in_force(d)["snapshot"] == started_as + 1);
  write_file(d.config_path(), first + second_route + keyed);  // the CLI reads it too

  ::setenv("ADMIN_TOKEN", admin_secret.c_str(), 1);  // the CLI's, as the daemon's
  auto back = d.cli({"config", "rollback", std::to_string(started_as)});
  INFO(back.out << back.err);
  REQUIRE(back.exit_code == 0);
  CHECK(back.out.find("applied as snapshot " + std::to_string(started_as + 2) + " (rollback to " +
                      std::to_string(started_as) + ")") != std::string::npos);
  CHECK(back.out.find("route summarize") != std::string::npos);
  REQUIRE(eventually([&] { return !d.routes().contains("summarize"); }));
  CHECK(d.chat("summarize").status == 404);
  auto missing = d.cli({"config", "rollback", "999"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no configuration snapshot 999") != std::string::npos);
  ::unsetenv("ADMIN_TOKEN");

  auto listed = d.cli({"config", "snapshots", "--json"});
  REQUIRE(listed.exit_code == 0);
  auto snapshots = nlohmann::json::parse(listed.out);
  REQUIRE(snapshots.size() >= 3);
  CHECK(snapshots[0]["source"] == "rollback to " + std::to_string(started_as));
  CHECK(snapshots[1]["source"] == d.config_path());
  auto shown = d.cli({"config", "show", std::to_string(started_as + 1)});
  CHECK(shown.out.find("api_key = \"${ADMIN_TOKEN}\"") != std::string::npos);
  // The secret's value is nowhere in the store's files.
  d.kill();
  for (const char* suffix : {"", "-wal"}) {
    const std::string path = d.state_dir() + "/llmopt.db" + suffix;
    if (!std::filesystem::exists(path)) continue;
    CHECK(read_file(path).find(admin_secret) == std::string::npos);
  }
}

TEST_CASE("a request in flight finishes on its configuration when a reload removes its provider",
          "[e2e]") {
  // A slow stream: 40 tokens at 20 per second.
  const std::string slow = R"(
[[providers]]
name = "slow"
kind = "simulated"

[[models]]
id = "slow:stream"
price_in_per_mtok = 0.1
price_out_per_mtok = 0.1
quality_prior = 0.7
simulation = { latency_ms = { median = 10, p95 = 20 }, error_rate = 0.0, quality = 0.7, ttft_ms = 10, tokens_per_s = 20, output_tokens = 40 }
)";
  running_daemon d(simulated_config("${STATE_DIR}", admin + slow), admin_secret);
  const std::string first = read_file(d.config_path());
  auto streamed = std::async(std::launch::async, [&] {
    return http_post_json(d.url() + "/v1/chat/completions",
                          R"({"model":"slow:stream","stream":true,"max_tokens":40,)"
                          R"("messages":[{"role":"user","content":"hello"}]})",
                          30000);
  });
  // Its call is under way ...
  REQUIRE(eventually([&] {
    auto r = d.admin("GET", "/admin/v1/providers");
    auto doc = nlohmann::json::parse(r.body, nullptr, false);
    return doc.is_object() && doc["providers"].contains("slow") &&
           doc["providers"]["slow"]["limits"].value("in_flight", 0) == 1;
  }));
  // ... when its provider and model leave the configuration.
  auto applied = d.admin("POST", "/admin/v1/config", with(first, slow, ""));
  INFO(applied.body);
  REQUIRE(applied.status == 200);
  CHECK(d.chat("slow:stream").status == 404);
  auto answer = streamed.get();
  CHECK(answer.status == 200);
  CHECK(answer.body.find("data: [DONE]") != std::string::npos);
  CHECK(occurrences(answer.body, "\"content\":") >= 40);
}

}  // namespace
}  // namespace llmopt::test
