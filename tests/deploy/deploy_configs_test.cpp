// The configurations deploy/ ships, run: `llmopt serve` on compose's
// llmopt.compose.toml and on the ConfigMap's llmopt.toml, with only what the
// container or the cluster provides replaced through the environment, as
// an operator may (a `llmopt broker` for Kafka, a redis-server, 127.0.0.1
// and a free port, a scratch state directory) and the secrets they reference
// set to test values. Each becomes ready, answers the Deployment's probes,
// and requires API keys and the admin token.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>

#include "deploy_files.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt::test;
using json = nlohmann::json;

namespace {

const std::string admin_token = "test-admin-token";

// The text after `marker` in the first line that has it, up to a space.
std::optional<std::string> await_value(child_process& p, const std::string& marker,
                                       const std::string& until_line) {
  std::optional<std::string> value;
  auto line = p.await_line(
      [&](const std::string& l) {
        const auto at = l.find(marker);
        if (at != std::string::npos) {
          const auto rest = l.substr(at + marker.size());
          value = rest.substr(0, rest.find(' '));
        }
        return until_line.empty() ? value.has_value() : l == until_line;
      },
      std::chrono::seconds(30));
  return line ? value : std::nullopt;
}

// `llmopt serve --config CONFIG` with `extra_env`, ready, on a broker of its own.
struct deployed {
  temp_dir dir;
  std::unique_ptr<child_process> broker;
  std::unique_ptr<child_process> daemon;
  std::vector<std::string> env;
  std::string config;
  std::string url;

  deployed(const std::string& config_path, std::vector<std::string> extra_env)
      : config(config_path) {
    broker = std::make_unique<child_process>(std::vector<std::string>{
        LLMOPT_BINARY, "broker", "--partitions", "2", "--bootstrap-file", dir.file("bootstrap")});
    auto bootstrap = await_value(*broker, "kafka broker at ", "");
    REQUIRE(bootstrap);
    env = {"LLMOPT_KAFKA_BROKERS=" + *bootstrap, "LLMOPT_HTTP_LISTEN=127.0.0.1:0",
           "LLMOPT_STATE_DIR=" + dir.path(), "ADMIN_TOKEN=" + admin_token};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    daemon = std::make_unique<child_process>(
        std::vector<std::string>{LLMOPT_BINARY, "serve", "--config", config}, env);
    auto gateway = await_value(*daemon, "gateway listening on ", "llmopt: ready");
    INFO("stdout:\n" << daemon->out() << "\nstderr:\n" << daemon->err());
    REQUIRE(gateway);
    url = *gateway;
  }

  // `llmopt ARGS... --config CONFIG` in the same environment, to completion.
  std::string cli(std::vector<std::string> args) {
    args.insert(args.begin(), LLMOPT_BINARY);
    args.insert(args.end(), {"--config", config});
    child_process p(args, env);
    auto code = p.wait(std::chrono::seconds(30));
    INFO(p.out() << p.err());
    REQUIRE(code == 0);
    return p.out();
  }

  // SIGTERM: a clean exit.
  void stop() {
    daemon->signal(SIGTERM);
    auto code = daemon->wait(std::chrono::seconds(30));
    INFO("stderr:\n" << daemon->err());
    REQUIRE(code);
    CHECK(*code == 0);
  }
};

// What both configurations must do once running.
void check_probes_and_guards(deployed& d) {
  const auto deployment = k8s_object("Deployment");
  const auto& container = deployment["spec"]["template"]["spec"]["containers"][0];
  for (const auto* probe : {"readinessProbe", "livenessProbe"}) {
    const std::string path = container[probe]["httpGet"]["path"];
    INFO(probe << " " << path);
    CHECK(http_get(d.url + path).status == 200);
  }
  CHECK(http_get(d.url + "/admin/v1/routes").status == 401);
  auto routes =
      http_request("GET", d.url + "/admin/v1/routes", {}, {"Authorization: Bearer " + admin_token});
  REQUIRE(routes.status == 200);
  CHECK(json::parse(routes.body)["routes"].contains("chat"));
  const std::string chat = R"({"model":"chat","messages":[{"role":"user","content":"hello"}]})";
  CHECK(http_post_json(d.url + "/v1/chat/completions", chat).status == 401);
}

}  // namespace

TEST_CASE("compose's configuration serves, with Redis, keys and the admin token") {
  redis_server redis;
  deployed d(deploy_path("llmopt.compose.toml"), {"LLMOPT_CACHE_REDIS=" + redis.address()});
  check_probes_and_guards(d);

  // Its simulated providers answer a caller with a key.
  const auto created = d.cli({"keys", "create", "--name", "compose-test"});
  const auto at = created.find("key: ");
  REQUIRE(at != std::string::npos);
  const std::string key = created.substr(at + 5, created.find('\n', at) - at - 5);
  // The daemon reads new keys every 250 ms: the key holds within a second.
  http_response answer;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    answer =
        http_request("POST", d.url + "/v1/chat/completions",
                     R"({"model":"chat","messages":[{"role":"user","content":"hello"}]})",
                     {"Content-Type: application/json", "Authorization: Bearer " + key}, 30000);
  } while (answer.status == 401 && std::chrono::steady_clock::now() < until);
  INFO(answer.body);
  CHECK(answer.status == 200);
  d.stop();
}

TEST_CASE("the ConfigMap's configuration serves, with its secrets from the environment") {
  const std::string toml = k8s_object("ConfigMap")["data"]["llmopt.toml"];
  temp_dir config_dir;
  write_file(config_dir.file("llmopt.toml"), toml);
  // Test values: no call reaches a provider here.
  deployed d(config_dir.file("llmopt.toml"),
             {"OPENAI_API_KEY=sk-test-not-a-key", "ANTHROPIC_API_KEY=sk-ant-test-not-a-key"});
  check_probes_and_guards(d);
  d.stop();
}
