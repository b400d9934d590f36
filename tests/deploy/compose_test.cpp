// deploy/compose.yaml and deploy/prometheus.yml, checked without a container
// runtime (none runs where the tests run): Kafka is a KRaft node with every
// topic llmopt reads and writes created, llmopt's configuration reaches
// Kafka and Redis by their service names and takes its secrets from the
// environment, and Prometheus scrapes llmopt's /metrics on its port.

#include <catch2/catch.hpp>

#include <algorithm>

#include "actors/exposure.hpp"
#include "config/loader.hpp"
#include "deploy_files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace llmopt;
using namespace llmopt::test;
using json = nlohmann::json;

namespace {

json compose() {
  const auto docs = yaml_documents(deploy_path("compose.yaml"));
  REQUIRE(docs.size() == 1);
  return docs[0];
}

const json& service(const json& c, const std::string& name) {
  INFO("service " << name);
  REQUIRE(c["services"].contains(name));
  return c["services"][name];
}

// The compose configuration with the secrets it references set (to
// anything) and no LLMOPT_ override: as the container reads it.
settings compose_settings() {
  const auto path = deploy_path("llmopt.compose.toml");
  const auto names = references_in(read_file(path));
  auto s = load_settings_file(path, [&](const std::string& name) -> std::optional<std::string> {
    if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
    return "set";
  });
  INFO((s ? "" : s.err().detail));
  REQUIRE(s);
  return *s;
}

// The container port of a "HOST_IP:HOST_PORT:CONTAINER_PORT" mapping.
std::string container_side(const std::string& mapping) {
  return mapping.substr(mapping.rfind(':') + 1);
}

}  // namespace

TEST_CASE("compose runs Kafka in KRaft mode, without ZooKeeper") {
  const auto c = compose();
  const auto& env = service(c, "kafka")["environment"];
  const std::string roles = env["KAFKA_PROCESS_ROLES"];
  CHECK(roles.find("broker") != std::string::npos);
  CHECK(roles.find("controller") != std::string::npos);
  CHECK(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].is_string());
  CHECK(env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER");
  CHECK_FALSE(env.contains("KAFKA_ZOOKEEPER_CONNECT"));
  for (const auto& [name, s] : c["services"].items())
    CHECK(s.value("image", "").find("zookeeper") == std::string::npos);
  // llmopt reaches the broker where it advertises itself on the network.
  const std::string advertised = env["KAFKA_ADVERTISED_LISTENERS"];
  CHECK(advertised.find("://" + compose_settings().kafka.brokers) != std::string::npos);
}

TEST_CASE("compose creates every topic llmopt uses before llmopt starts") {
  const auto c = compose();
  const auto& topics = service(c, "kafka-topics");
  const std::string script = topics["command"].dump();
  const auto k = default_settings().kafka;  // the compose config keeps the default names
  const auto s = compose_settings();
  for (const auto* topic :
       {&k.topic_cost, &k.topic_latency, &k.topic_sentinel, &k.topic_shield, &k.topic_observatory,
        &k.topic_calls, &k.topic_dlq, &k.topic_decisions}) {
    INFO(*topic);
    CHECK(script.find(*topic) != std::string::npos);
  }
  CHECK(s.kafka.topic_cost == k.topic_cost);
  CHECK(s.kafka.topic_decisions == k.topic_decisions);
  CHECK(script.find("cleanup.policy=compact") != std::string::npos);
  CHECK(topics["depends_on"]["kafka"]["condition"] == "service_healthy");
  CHECK(service(c, "llmopt")["depends_on"]["kafka-topics"]["condition"] ==
        "service_completed_successfully");
}

TEST_CASE("compose's llmopt: the image of the Dockerfile, its config, secrets from the env") {
  const auto c = compose();
  const auto& llmopt = service(c, "llmopt");
  CHECK(llmopt["build"]["dockerfile"] == "deploy/Dockerfile");
  CHECK(llmopt["build"]["context"] == "..");
  const auto volumes = llmopt["volumes"].dump();
  // Where the image's CMD reads it (--config /etc/llmopt/llmopt.toml).
  CHECK(volumes.find("./llmopt.compose.toml:/etc/llmopt/llmopt.toml:ro") != std::string::npos);
  const auto s = compose_settings();
  CHECK(volumes.find(":" + s.state_dir + "\"") != std::string::npos);
  CHECK(llmopt["read_only"] == true);
  CHECK(llmopt["cap_drop"] == json::array({"ALL"}));

  // Every ${NAME} the configuration references is passed from the
  // environment (deploy/.env), never written in compose.yaml.
  const auto names = references_in(read_file(deploy_path("llmopt.compose.toml")));
  REQUIRE_FALSE(names.empty());
  for (const auto& name : names) {
    INFO(name);
    REQUIRE(llmopt["environment"].contains(name));
    const std::string value = llmopt["environment"][name];
    CHECK(value.rfind("${" + name, 0) == 0);
  }

  // The gateway listens on the container's interfaces, on the published
  // port, and may: keys are required and the admin API has a token.
  CHECK(s.http.listen == "0.0.0.0:8080");
  REQUIRE(llmopt["ports"].size() == 1);
  const std::string published = llmopt["ports"][0];
  CHECK(published.rfind("127.0.0.1:", 0) == 0);
  CHECK(container_side(published) == "8080");
  CHECK(check_exposure(s));
  // Redis by its service name.
  CHECK(s.cache.redis == "redis:6379");
  CHECK(c["services"].contains("redis"));
}

TEST_CASE("Prometheus scrapes llmopt's /metrics on its port, with the token from a file") {
  const auto c = compose();
  const auto& prometheus = service(c, "prometheus");
  CHECK(prometheus["volumes"].dump().find("./prometheus.yml:/etc/prometheus/prometheus.yml") !=
        std::string::npos);

  const auto config = yaml_documents(deploy_path("prometheus.yml")).at(0);
  json job;
  for (const auto& j : config["scrape_configs"])
    if (j["job_name"] == "llmopt") job = j;
  REQUIRE(job.is_object());
  CHECK(job["metrics_path"] == "/metrics");
  const auto s = compose_settings();
  REQUIRE(job["static_configs"].size() == 1);
  CHECK(job["static_configs"][0]["targets"] ==
        json::array({"llmopt:" + container_side(s.http.listen)}));

  // The token: the compose secret from ADMIN_TOKEN, mounted where the scrape
  // reads it; never a literal credential in the file.
  CHECK_FALSE(job["authorization"].contains("credentials"));
  REQUIRE(prometheus["secrets"].size() == 1);
  const std::string secret = prometheus["secrets"][0];
  CHECK(job["authorization"]["credentials_file"] == "/run/secrets/" + secret);
  CHECK(c["secrets"][secret]["environment"] == "ADMIN_TOKEN");
  CHECK(s.admin.token == "${ADMIN_TOKEN}");

  // Prometheus' own check. --syntax-only: the credentials file exists only in
  // the container.
  auto r = run({"promtool", "check", "config", "--syntax-only", deploy_path("prometheus.yml")});
  INFO("promtool (package prometheus, deploy/install-deps.sh): " << r.out << r.err);
  CHECK(r.exit_code == 0);
}
