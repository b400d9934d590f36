// deploy/k8s: what a cluster would take from these manifests, checked
// without a cluster (none runs where the tests run): the probes ask the
// daemon's health paths on its port, the pod runs as the image's non-root
// user on a read-only root with its state on the claimed volume, every
// secret is a reference to the Secret, and the Service and the
// PodDisruptionBudget select the Deployment's pods.

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "actors/exposure.hpp"
#include "config/loader.hpp"
#include "deploy_files.hpp"

using namespace llmopt;
using namespace llmopt::test;
using json = nlohmann::json;

namespace {

const json& only_container(const json& deployment) {
  const auto& containers = deployment["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 1);
  return containers[0];
}

// `selector` (matchLabels or a Service's selector) picks pods labelled `labels`.
bool selects(const json& selector, const json& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (const auto& [key, value] : selector.items())
    if (!labels.contains(key) || labels[key] != value) return false;
  return true;
}

// The container port a probe or a Service names, by name or number.
long container_port(const json& container, const json& port) {
  for (const auto& p : container["ports"])
    if ((port.is_string() && p.value("name", "") == port) ||
        (port.is_number() && p["containerPort"] == port))
      return p["containerPort"].get<long>();
  return -1;
}

std::string configured_toml() {
  const auto config = k8s_object("ConfigMap");
  REQUIRE(config["data"].contains("llmopt.toml"));
  return config["data"]["llmopt.toml"].get<std::string>();
}

}  // namespace

TEST_CASE("the kustomization lists every manifest of deploy/k8s, and only those") {
  const auto kustomization = yaml_documents(deploy_path("k8s/kustomization.yaml")).at(0);
  std::set<std::string> listed;
  for (const auto& r : kustomization["resources"])
    listed.insert(r.get<std::string>());
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(deploy_path("k8s")))
    if (entry.path().extension() == ".yaml" && entry.path().filename() != "kustomization.yaml")
      present.insert(entry.path().filename().string());
  CHECK(listed == present);
  CHECK_FALSE(kustomization.contains("namespace"));
  for (const auto& kind :
       {"Deployment", "ConfigMap", "Service", "PodDisruptionBudget", "PersistentVolumeClaim"})
    CHECK(k8s_object(kind)["metadata"]["name"].is_string());
}

TEST_CASE("the Deployment's probes ask the daemon's health paths on its HTTP port") {
  const auto deployment = k8s_object("Deployment");
  const auto& container = only_container(deployment);
  const auto& readiness = container["readinessProbe"]["httpGet"];
  const auto& liveness = container["livenessProbe"]["httpGet"];
  // What the gateway serves (actors/gateway.cpp); tests/e2e/deploy_configs_test.cpp
  // asks a running daemon for these same paths.
  CHECK(readiness["path"] == "/health/ready");
  CHECK(liveness["path"] == "/health/live");
  CHECK(container_port(container, readiness["port"]) == 8080);
  CHECK(container_port(container, liveness["port"]) == 8080);
  // The configuration listens there, on every interface of the pod.
  auto s = parse_settings(configured_toml(), "configmap.yaml", {});
  REQUIRE(s);
  CHECK(s->http.listen == "0.0.0.0:8080");
}

TEST_CASE("the pod runs as the image's non-root user on a read-only root, state on the claim") {
  const auto deployment = k8s_object("Deployment");
  const auto& pod = deployment["spec"]["template"]["spec"];
  const auto& container = only_container(deployment);
  CHECK(pod["securityContext"]["runAsNonRoot"] == true);
  // deploy/Dockerfile's USER 10001:10001 (tests/deploy/dockerfile_test.cpp).
  CHECK(pod["securityContext"]["runAsUser"] == 10001);
  CHECK(pod["securityContext"]["runAsGroup"] == 10001);
  CHECK(pod["securityContext"]["fsGroup"] == 10001);
  CHECK(container["securityContext"]["readOnlyRootFilesystem"] == true);
  CHECK(container["securityContext"]["allowPrivilegeEscalation"] == false);
  CHECK(container["securityContext"]["capabilities"]["drop"] == json::array({"ALL"}));
  CHECK(container["resources"]["requests"].contains("cpu"));
  CHECK(container["resources"]["requests"].contains("memory"));
  CHECK(container["resources"]["limits"].contains("memory"));

  // The volumes by name: the state directory on the claim of pvc.yaml, the
  // configuration from the ConfigMap where --config reads it.
  std::map<std::string, json> volumes;
  for (const auto& v : pod["volumes"])
    volumes[v["name"]] = v;
  std::map<std::string, std::string> mounted;  // path -> volume
  for (const auto& m : container["volumeMounts"])
    mounted[m["mountPath"]] = m["name"];
  auto s = parse_settings(configured_toml(), "configmap.yaml", {});
  REQUIRE(s);
  REQUIRE(mounted.count(s->state_dir));
  CHECK(volumes[mounted[s->state_dir]]["persistentVolumeClaim"]["claimName"] ==
        k8s_object("PersistentVolumeClaim")["metadata"]["name"]);
  CHECK(container["args"] == json::array({"--config", "/etc/llmopt/llmopt.toml"}));
  REQUIRE(mounted.count("/etc/llmopt"));
  CHECK(volumes[mounted["/etc/llmopt"]]["configMap"]["name"] ==
        k8s_object("ConfigMap")["metadata"]["name"]);
  // One writer for the SQLite store: never two pods at once.
  CHECK(deployment["spec"]["replicas"] == 1);
  CHECK(deployment["spec"]["strategy"]["type"] == "Recreate");
}

TEST_CASE("every secret the configuration references comes from the Secret, by reference") {
  const auto toml = configured_toml();
  const auto names = references_in(toml);
  REQUIRE_FALSE(names.empty());
  const auto deployment = k8s_object("Deployment");
  const auto& container = only_container(deployment);
  std::map<std::string, json> env;
  for (const auto& e : container["env"])
    env[e["name"]] = e;
  for (const auto& name : names) {
    INFO("${" << name << "}");
    REQUIRE(env.count(name));
    CHECK_FALSE(env[name].contains("value"));
    CHECK(env[name]["valueFrom"]["secretKeyRef"]["name"] == "llmopt-secrets");
  }
  // No Secret (with values) is part of the manifests.
  for (const auto& file : deploy_yaml_files())
    for (const auto& doc : yaml_documents(file))
      CHECK(doc.value("kind", "") != "Secret");

  // With those set, the configuration loads and may listen beyond loopback.
  auto s = parse_settings(toml, "configmap.yaml", [&](const std::string& n) {
    return env.count(n) ? std::optional<std::string>("set") : std::nullopt;
  });
  INFO((s ? "" : s.err().detail));
  REQUIRE(s);
  CHECK(check_exposure(*s));
  CHECK(s->auth.required);
}

TEST_CASE("the Service and the PodDisruptionBudget select the Deployment's pods") {
  const auto deployment = k8s_object("Deployment");
  const auto& labels = deployment["spec"]["template"]["metadata"]["labels"];
  CHECK(selects(deployment["spec"]["selector"]["matchLabels"], labels));

  const auto service = k8s_object("Service");
  CHECK(selects(service["spec"]["selector"], labels));
  REQUIRE(service["spec"]["ports"].size() == 1);
  const auto& port = service["spec"]["ports"][0];
  CHECK(container_port(only_container(deployment), port["targetPort"]) == 8080);

  const auto pdb = k8s_object("PodDisruptionBudget");
  CHECK(pdb["apiVersion"] == "policy/v1");
  CHECK(selects(pdb["spec"]["selector"]["matchLabels"], labels));
  // One replica: minAvailable 1 holds a drain until someone moves the pod.
  CHECK(pdb["spec"]["minAvailable"] == deployment["spec"]["replicas"]);
}
