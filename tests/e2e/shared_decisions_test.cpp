// Three instances with kafka.share_decisions, on one broker in its own
// process (`llmopt broker`): one of them decides the route, every one serves
// its decisions within 2 s under the same id and explanation, and when the
// decider is SIGKILLed another takes over within the session timeout while
// requests go on being served.

#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/text.hpp"

namespace llmopt::test {
namespace {

using namespace std::chrono_literals;

const std::string admin_secret = "admin-secret-value-51f0";
constexpr int session_timeout_ms = 3000;

std::string shared_config(const std::string& bootstrap) {
  return simulated_config("${STATE_DIR}",
                          "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n[kafka]\nbrokers = \"" + bootstrap +
                              "\"\nshare_decisions = true\n"
                              "publish_calls = true\nsession_timeout_ms = " +
                              std::to_string(session_timeout_ms) + "\n");
}

long long served_decision(running_daemon& d, const std::string& route) {
  const auto table = d.routes();
  return table.contains(route) ? table[route]["decision_id"].get<long long>() : 0;
}

// The newest decision of `route` in `d`'s decision log.
nlohmann::json newest(running_daemon& d, const std::string& route) {
  nlohmann::json best;
  for (const auto& x : d.decisions({"--route", route}))
    if (best.is_null() || x["id"].get<long long>() > best["id"].get<long long>()) best = x;
  return best;
}

// An instance's name is host-pid-start: the daemon whose process it names.
running_daemon* named(const std::vector<std::unique_ptr<running_daemon>>& all,
                      const std::string& instance) {
  for (const auto& d : all)
    if (instance.find("-" + std::to_string(d->process().pid()) + "-") != std::string::npos)
      return d.get();
  return nullptr;
}

// `llmopt broker` in its own process (4 partitions per topic) and three
// instances of the configuration `config(bootstrap)` gives.
struct three_instances {
  temp_dir dir;
  child_process broker{
      {LLMOPT_BINARY, "broker", "--partitions", "4", "--bootstrap-file", dir.file("bootstrap")}};
  std::string bootstrap = await_broker(broker);
  std::vector<std::unique_ptr<running_daemon>> all;

  explicit three_instances(const std::function<std::string(const std::string&)>& config) {
    for (int i = 0; i < 3; ++i)
      all.push_back(std::make_unique<running_daemon>(config(bootstrap), admin_secret));
  }
};

template <class F>
bool within(std::chrono::milliseconds limit, F done) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(20ms);  // a poll of three HTTP servers, not a wait for an event
  }
  return true;
}

TEST_CASE(
    "instances sharing decisions route by one table, and another decides when the decider dies",
    "[e2e][cluster]") {
  three_instances cluster_of(shared_config);
  auto& all = cluster_of.all;

  // Every instance serves the same decision of the route, made by one of
  // them.
  long long first = 0;
  REQUIRE(within(15s, [&] {
    first = served_decision(*all[0], "chat");
    return first > 0 && served_decision(*all[1], "chat") == first &&
           served_decision(*all[2], "chat") == first;
  }));
  auto made = newest(*all[0], "chat");
  INFO(made.dump());
  REQUIRE(made["id"] == first);
  running_daemon* decider = named(all, made["decided_by"].get<std::string>());
  REQUIRE(decider != nullptr);

  // GET /admin/v1/cluster on any instance: the three, who decides the
  // route, and every signal partition consumed by exactly one of them.
  nlohmann::json cluster;
  CHECK(within(10s, [&] {
    auto r = all[2]->admin("GET", "/admin/v1/cluster");
    if (r.status != 200) return false;
    cluster = nlohmann::json::parse(r.body);
    std::size_t consumed = 0;
    for (const auto& i : cluster["instances"])
      consumed += i["signal_partitions"].size();
    return cluster["instances"].size() == 3 && consumed == 6 * 4;
  }));
  INFO(cluster.dump(2));
  CHECK(cluster["sharing"] == true);
  CHECK(cluster["deciders"]["chat"] == made["decided_by"]);
  std::set<std::pair<std::string, int>> partitions;
  for (const auto& i : cluster["instances"]) {
    CHECK(i["url"].get<std::string>().rfind("http://127.0.0.1:", 0) == 0);
    for (const auto& p : i["signal_partitions"])
      CHECK(partitions.emplace(p["topic"].get<std::string>(), p["partition"].get<int>()).second);
  }
  CHECK(partitions.size() == 6 * 4);

  // A new objective on the decider: its decision is served by all three
  // within 2 s, under the same id and explanation.
  auto cheaper = [](running_daemon& d) {
    const std::string before = "objective = { quality = 0.6, cost = 0.2, latency = 0.2 }";
    const std::string after = "objective = { quality = 0.2, cost = 0.7, latency = 0.1 }";
    std::string config = read_file(d.config_path());
    const auto at = config.find(before);
    REQUIRE(at != std::string::npos);
    return config.replace(at, before.size(), after);
  };
  auto posted = decider->admin("POST", "/admin/v1/config", cheaper(*decider));
  INFO(posted.body);
  REQUIRE(posted.status == 200);
  long long second = 0;
  REQUIRE(within(5s, [&] {
    second = served_decision(*decider, "chat");
    return second > first;
  }));
  const auto decided = std::chrono::steady_clock::now();
  CHECK(within(2s, [&] {
    for (auto& d : all)
      if (served_decision(*d, "chat") != second) return false;
    return true;
  }));
  const auto everywhere = std::chrono::steady_clock::now() - decided;
  WARN("decision " << second << " served by all three "
                   << std::chrono::duration_cast<std::chrono::milliseconds>(everywhere).count()
                   << " ms after the decider");
  std::string explained;
  for (auto& d : all) {
    REQUIRE(eventually(
        [&] { return !newest(*d, "chat").is_null() && newest(*d, "chat")["id"] == second; }));
    auto text = d->cli({"decisions", "explain", std::to_string(second)});
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("decided by: " + made["decided_by"].get<std::string>()) !=
          std::string::npos);
    if (explained.empty()) explained = text.out;
    CHECK(text.out == explained);
  }
  // The others take the same objective, so whoever decides next weighs alike.
  for (auto& d : all)
    if (d.get() != decider)
      REQUIRE(d->admin("POST", "/admin/v1/config", cheaper(*d)).status == 200);

  // The decider dies. Requests go on being served by the others, and one
  // of them takes the route over once the group notices (the session
  // timeout) and rebalances. The mock cluster's rebalance after a member is
  // lost waits session_timeout - 1 s for the others to rejoin
  // (rdkafka_mock_cgrp.c); Kafka's ends when they have.
  std::vector<running_daemon*> survivors;
  for (auto& d : all)
    if (d.get() != decider) survivors.push_back(d.get());
  decider->process().signal(SIGKILL);
  (void)decider->process().wait(10s);
  const auto killed = std::chrono::steady_clock::now();
  long long served = 0, refused = 0;
  long long third = 0;
  running_daemon* successor = nullptr;
  const bool took_over = within(std::chrono::milliseconds(2 * session_timeout_ms) + 2s, [&] {
    for (auto* d : survivors) {
      (d->chat("chat").status == 200 ? served : refused) += 1;
      if (auto id = served_decision(*d, "chat"); id > second) {
        third = id;
        successor = d;
      }
    }
    return third > 0;
  });
  const auto takeover = std::chrono::steady_clock::now() - killed;
  REQUIRE(took_over);
  WARN(
      "route taken over " << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()
                          << " ms after SIGKILL (session timeout " << session_timeout_ms
                          << " ms); requests meanwhile: " << served << " served, " << refused
                          << " refused");
  CHECK(refused == 0);
  CHECK(served > 0);
  auto taken = newest(*successor, "chat");
  INFO(taken.dump());
  CHECK(taken["id"] == third);
  CHECK(taken["trigger"].get<std::string>().find("took over as decider") != std::string::npos);
  running_daemon* maker = named(all, taken["decided_by"].get<std::string>());
  CHECK(maker != nullptr);
  CHECK(maker != decider);
  CHECK(within(2s, [&] {
    for (auto* d : survivors)
      if (served_decision(*d, "chat") != third) return false;
    return true;
  }));

  // The killed instance comes back as a follower of what it missed.
  decider->restart();
  CHECK(within(10s, [&] { return served_decision(*decider, "chat") >= third; }));
  CHECK(newest(*decider, "chat")["id"].get<long long>() >= third);
}

// One route over a steady model and a better one that, on the first
// instance only, cannot be reached. The breaker is out of the way (it
// would stop the calls that tell the others).
std::string flaky_config(const std::string& bootstrap, bool unreachable) {
  const std::string flaky_provider =
      unreachable ? "kind = \"openai_compatible\"\nbase_url = \"http://127.0.0.1:9/v1\"\n"
                  : "kind = \"simulated\"\n";
  const std::string flaky_simulation =
      unreachable ? ""
                  : "simulation = { latency_ms = { median = 10, p95 = 20 }, error_rate = 0.0, "
                    "quality = 0.95 }\n";
  return R"(state_dir = "${STATE_DIR}"
[http]
listen = "127.0.0.1:0"
[auth]
required = false
[admin]
token = "${ADMIN_TOKEN}"
[decision]
tick_ms = 200
down_min_calls = 3
[router]
breaker_failures = 1000
[kafka]
brokers = ")" +
         bootstrap + R"("
share_decisions = true
publish_calls = true
session_timeout_ms = )" +
         std::to_string(session_timeout_ms) + R"(
[[providers]]
name = "steady"
kind = "simulated"
[[providers]]
name = "flaky"
)" + flaky_provider +
         R"(
[[models]]
id = "steady:m"
price_in_per_mtok = 1
price_out_per_mtok = 2
quality_prior = 0.7
simulation = { latency_ms = { median = 10, p95 = 20 }, error_rate = 0.0, quality = 0.7 }
[[models]]
id = "flaky:m"
price_in_per_mtok = 1
price_out_per_mtok = 2
quality_prior = 0.95
)" + flaky_simulation +
         R"(
[[routes]]
name = "chat"
candidates = ["flaky:m", "steady:m"]
objective = { quality = 0.8, cost = 0.1, latency = 0.1 }
cost_ref_usd = 0.01
latency_ref_ms = 5000
)";
}

TEST_CASE("a model failing on one instance's calls loses its traffic on all three",
          "[e2e][cluster]") {
  three_instances cluster_of([](const std::string& b) { return flaky_config(b, false); });
  auto& all = cluster_of.all;
  const std::string& bootstrap = cluster_of.bootstrap;
  REQUIRE(within(15s, [&] {
    for (auto& d : all)
      if (d->weight("chat", "flaky:m") < 0.5) return false;
    return true;
  }));
  running_daemon* decider = named(all, newest(*all[0], "chat")["decided_by"].get<std::string>());
  REQUIRE(decider != nullptr);
  // flaky:m becomes unreachable from an instance that does not decide.
  running_daemon& failing = *(all[0].get() == decider ? all[1] : all[0]);
  std::string unreachable = flaky_config(bootstrap, true);
  unreachable.replace(unreachable.find("${STATE_DIR}"), 12, failing.state_dir());
  auto posted = failing.admin("POST", "/admin/v1/config", unreachable);
  INFO(posted.body);
  REQUIRE(posted.status == 200);

  // Requests on that instance: its calls of flaky:m fail (each request is
  // still answered, by steady:m). The calls go through llm.calls to the
  // instance that counts flaky:m, whose report reaches the decider.
  const auto started = std::chrono::steady_clock::now();
  long long answered = 0, requests = 0;
  bool gone_everywhere = false;
  while (!gone_everywhere && std::chrono::steady_clock::now() - started < 10s) {
    ++requests;
    if (failing.chat("chat").status == 200) ++answered;
    gone_everywhere = true;
    for (auto& d : all)
      gone_everywhere = gone_everywhere && d->weight("chat", "flaky:m") == 0;
  }
  const auto took = std::chrono::steady_clock::now() - started;
  WARN("flaky:m lost its traffic on all three "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
       << " ms after the first request on the instance that cannot reach it (" << requests
       << " requests, " << answered << " answered)");
  REQUIRE(gone_everywhere);
  CHECK(took < 3s);
  CHECK(answered == requests);
  // The decision says why, the same on every instance.
  const long long id = all[1]->routes()["chat"]["decision_id"].get<long long>();
  for (auto& d : all) {
    CHECK(d->routes()["chat"]["decision_id"] == id);
    REQUIRE(eventually([&] { return newest(*d, "chat")["id"] == id; }));
    auto text = d->cli({"decisions", "explain", std::to_string(id)});
    CHECK(text.out.find("flaky:m") != std::string::npos);
    INFO(text.out);
    CHECK(text.out.find("failed") != std::string::npos);
  }

  // An instance that stops leaves a tombstone for its report: the others
  // drop it at once, neither live nor silent.
  running_daemon& stopping = *all[2];
  const std::string pid = "-" + std::to_string(stopping.process().pid()) + "-";
  auto listed = [&](const nlohmann::json& cluster) {
    for (const char* kind : {"instances", "silent"})
      for (const auto& i : cluster[kind])
        if (i["instance"].get<std::string>().find(pid) != std::string::npos) return true;
    return false;
  };
  auto cluster_seen_by = [&](running_daemon& d) {
    auto r = d.admin("GET", "/admin/v1/cluster");
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body);
  };
  REQUIRE(within(5s, [&] { return listed(cluster_seen_by(*all[0])); }));
  stopping.process().signal(SIGTERM);
  REQUIRE(stopping.process().wait(30s));
  CHECK(within(5s, [&] { return !listed(cluster_seen_by(*all[0])); }));
}

}  // namespace
}  // namespace llmopt::test
