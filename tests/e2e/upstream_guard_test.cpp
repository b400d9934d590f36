// Issue 14: retries, deadlines, circuit breakers and provider limits on the
// request path, against provider-sim processes started here (real HTTP).
// Each provider has its own simulator, so its /admin/stats counts exactly
// the calls that provider got.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

using json = nlohmann::json;

std::string sim_models(const std::string& id, int latency_ms) {
  return R"([{"id":")" + id + R"(","price_in_per_mtok":1,"price_out_per_mtok":2,)" +
         R"("latency_ms":{"median":)" + std::to_string(latency_ms) + R"(,"p95":)" +
         std::to_string(latency_ms * 2) + R"(},"error_rate":0,"quality":0.8}])";
}

// Two providers, alpha and beta, one model each, on route "chat"; `router`
// and `alpha_extra` are added to [router] and alpha's [[providers]].
struct guarded {
  temp_dir dir;
  sim_process alpha;
  sim_process beta;
  running_daemon daemon;

  guarded(const std::string& router, const std::string& alpha_extra = {}, int latency_ms = 5)
      : alpha(dir, "alpha", sim_models("alpha:a1", latency_ms)),
        beta(dir, "beta", sim_models("beta:b1", latency_ms)),
        daemon(config(router, alpha_extra)) {}

  std::string config(const std::string& router, const std::string& alpha_extra) const {
    auto provider = [](const char* name, const sim_process& sim, const std::string& extra) {
      return std::string("[[providers]]\nname = \"") + name +
             "\"\nkind = \"openai_compatible\"\nbase_url = \"" + sim.root() +
             "/v1\"\ntimeout_ms = 5000\n" + extra + "\n";
    };
    const std::string head =
        "state_dir = \"${STATE_DIR}\"\n"
        "[http]\nlisten = \"127.0.0.1:0\"\nthreads = 8\n"
        "[auth]\nrequired = false\n"
        "[decision]\ntick_ms = 200\ndown_min_calls = 1000\n"
        "[router]\n";
    return head +
           // Fail over without waiting unless a test asks for a retry policy,
           // whatever the default.
           (router.find("retry =") == std::string::npos ? "retry = \"none\"\n" : "") + router +
           "\n" + provider("alpha", alpha, alpha_extra) + provider("beta", beta, "") +
           "[[models]]\nid = \"alpha:a1\"\n[[models]]\nid = \"beta:b1\"\n"
           "[[routes]]\nname = \"chat\"\ncandidates = [\"alpha:a1\", \"beta:b1\"]\n";
  }

  // `n` requests to the route, each served by beta at its first attempt.
  void route_goes_to_beta_only(int n) {
    for (int i = 0; i < n; ++i) {
      auto r = daemon.chat("chat");
      REQUIRE(r.status == 200);
      CHECK(r.headers["x-llmopt-model"] == "beta:b1");
      CHECK(r.headers["x-llmopt-attempts"] == "1");
    }
  }

  long long calls_to(sim_process& sim) { return sim.stats()["requests"].get<long long>(); }

  json breaker(const std::string& model) {
    auto r = http_get(daemon.url() + "/admin/v1/breakers");
    INFO("breakers: " << r.body);
    REQUIRE(r.status == 200);
    const auto body = json::parse(r.body);
    for (const auto& b : body["breakers"])
      if (b["model"] == model) return b;
    FAIL("no breaker for " << model << " in " << r.body);
    return json::object();
  }
  json provider(const std::string& name) {
    auto r = http_get(daemon.url() + "/admin/v1/providers");
    REQUIRE(r.status == 200);
    return json::parse(r.body)["providers"][name];
  }

  http_response chat_with_timeout(const std::string& target, const std::string& timeout_ms) {
    json body{{"model", target}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    return http_request("POST", daemon.url() + "/v1/chat/completions", body.dump(),
                        {"Content-Type: application/json", "x-llmopt-timeout-ms: " + timeout_ms},
                        30000);
  }
};

std::string error_code(const http_response& r) {
  return json::parse(r.body)["error"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("a 429 with Retry-After pauses that provider: no call reaches it until the pause ends") {
  guarded t("");
  t.alpha.inject({{"kind", "status"}, {"status", 429}, {"retry_after_s", 3}, {"count", 1}});
  auto limited = t.daemon.chat("alpha:a1");
  REQUIRE(limited.status == 429);
  CHECK(limited.headers["retry-after"] == "3");
  const long long alpha_calls = t.calls_to(t.alpha);
  auto paused = t.provider("alpha")["limits"];
  CHECK(paused["paused"] == true);
  CHECK(paused["paused_until_ms"].is_number());

  // Meanwhile the route's traffic goes to beta only, at the first attempt,
  // and a request naming alpha is refused without a call.
  t.route_goes_to_beta_only(10);
  auto refused = t.daemon.chat("alpha:a1");
  REQUIRE(refused.status == 429);
  CHECK(error_code(refused) == "upstream_rate_limited");
  CHECK(refused.headers["x-llmopt-attempts"] == "0");
  const int retry_after = std::stoi(refused.headers["retry-after"]);
  CHECK((retry_after >= 1 && retry_after <= 3));
  CHECK(t.calls_to(t.alpha) == alpha_calls);

  // Once the pause is over, alpha is called again.
  REQUIRE(eventually([&] { return t.provider("alpha")["limits"]["paused"] == false; }));
  CHECK(t.daemon.chat("alpha:a1").status == 200);
  CHECK(t.calls_to(t.alpha) == alpha_calls + 1);
}

TEST_CASE("a 5xx burst opens the breaker: traffic moves at once, one probe, success closes") {
  guarded t("breaker_failures = 3\nbreaker_cooldown_ms = 1500\nbreaker_max_cooldown_ms = 3000");
  t.alpha.inject({{"kind", "status"}, {"status", 500}, {"count", 3}});
  for (int i = 0; i < 3; ++i)
    REQUIRE(t.daemon.chat("alpha:a1").status == 502);
  auto open = t.breaker("alpha:a1");
  REQUIRE(open["state"] == "open");
  CHECK(open["opened_at_ms"].is_number());
  CHECK(open["next_probe_ms"].get<long long>() > open["opened_at_ms"].get<long long>());

  // At once, not at the next decision: every request of the route goes to
  // beta at its first attempt, and alpha gets no call.
  const long long alpha_calls = t.calls_to(t.alpha);
  t.route_goes_to_beta_only(10);
  auto refused = t.daemon.chat("alpha:a1");
  REQUIRE(refused.status == 503);
  CHECK(error_code(refused) == "circuit_open");
  CHECK(std::stoi(refused.headers["retry-after"]) >= 1);
  CHECK(t.calls_to(t.alpha) == alpha_calls);
  // The decision engine hears of it and excludes alpha, saying why.
  CHECK(eventually([&] {
    for (const auto& d : t.daemon.decisions({"--route", "chat", "--limit", "3"}))
      for (const auto& c : d["candidates"])
        if (c["model"] == "alpha:a1" && c["excluded"].get<std::string>().find("circuit open") == 0)
          return true;
    return false;
  }));

  // Half-open: the probe stalls (held by the simulator), and while it is out
  // no other call reaches alpha.
  t.alpha.inject({{"kind", "stall"}, {"count", 1}});
  REQUIRE(eventually([&] { return t.breaker("alpha:a1")["available"] == true; }));
  auto probe =
      std::async(std::launch::async, [&] { return t.chat_with_timeout("alpha:a1", "1500"); });
  REQUIRE(eventually([&] { return t.calls_to(t.alpha) == alpha_calls + 1; }));
  CHECK(t.breaker("alpha:a1")["state"] == "half_open");
  for (int i = 0; i < 3; ++i)
    CHECK(t.daemon.chat("alpha:a1").status == 503);
  CHECK(t.calls_to(t.alpha) == alpha_calls + 1);
  // The probe ran out of its request's deadline: not the model's failure,
  // so the probe slot is free again.
  CHECK(probe.get().status == 504);
  // The next probe succeeds and closes the breaker.
  REQUIRE(eventually([&] { return t.daemon.chat("alpha:a1").status == 200; }));
  CHECK(t.breaker("alpha:a1")["state"] == "closed");
}

TEST_CASE("a failed probe reopens the breaker with a longer cooldown") {
  guarded t("breaker_failures = 2\nbreaker_cooldown_ms = 500\nbreaker_max_cooldown_ms = 5000");
  t.alpha.inject({{"kind", "status"}, {"status", 503}, {"count", 3}});
  for (int i = 0; i < 2; ++i)
    REQUIRE(t.daemon.chat("alpha:a1").status == 502);
  auto first = t.breaker("alpha:a1");
  REQUIRE(first["state"] == "open");
  const long long first_cooldown =
      first["next_probe_ms"].get<long long>() - first["opened_at_ms"].get<long long>();
  REQUIRE(eventually([&] { return t.breaker("alpha:a1")["available"] == true; }));
  REQUIRE(t.daemon.chat("alpha:a1").status == 502);  // the probe fails
  auto second = t.breaker("alpha:a1");
  CHECK(second["state"] == "open");
  CHECK(second["next_probe_ms"].get<long long>() - second["opened_at_ms"].get<long long>() ==
        2 * first_cooldown);
}

TEST_CASE("stalls are bounded by the request's deadline whatever max_attempts is") {
  guarded t("max_attempts = 3\nretry = \"patient\"");
  t.alpha.inject({{"kind", "stall"}, {"count", 100}});
  t.beta.inject({{"kind", "stall"}, {"count", 100}});
  const auto started = std::chrono::steady_clock::now();
  auto r = t.chat_with_timeout("chat", "1000");
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(r.status == 504);
  CHECK(error_code(r) == "deadline_exceeded");
  // Without the deadline: attempts x the provider's 5 s timeout, and waits.
  CHECK(took < std::chrono::milliseconds(4000));
  CHECK(took >= std::chrono::milliseconds(1000));

  // A bad deadline is the client's mistake, and names the header.
  for (const char* bad : {"0", "-5", "soon", "99999999999"}) {
    auto refused = t.chat_with_timeout("chat", bad);
    INFO(bad << ": " << refused.body);
    REQUIRE(refused.status == 400);
    auto e = json::parse(refused.body)["error"];
    CHECK(e["param"] == "x-llmopt-timeout-ms");
    CHECK(e["message"].get<std::string>().find("x-llmopt-timeout-ms") != std::string::npos);
  }
}

TEST_CASE("retry budget: under a full outage upstream calls stay within requests x 1.1 + floor") {
  // Floor: 0.05 per second over 60 s = 3 retries.
  guarded t(
      "max_attempts = 2\nretry = \"fast\"\nbreaker_failures = 1000\nbreaker_min_calls = "
      "1000000\nretry_budget_ratio = 0.1\nretry_budget_window_s = 60\nretry_budget_min_per_s = "
      "0.05");
  t.alpha.inject({{"kind", "status"}, {"status", 500}, {"count", 1000}});
  t.beta.inject({{"kind", "status"}, {"status", 500}, {"count", 1000}});
  const int requests = 40;
  for (int i = 0; i < requests; ++i)
    REQUIRE(t.daemon.chat("chat").status == 502);
  const long long calls = t.calls_to(t.alpha) + t.calls_to(t.beta);
  CHECK(calls >= requests);
  CHECK(calls <= static_cast<long long>(requests * 1.1 + 3));  // without: 40 x (2 + 1 retry)
}

TEST_CASE("max_concurrent holds: the provider never has more calls open than it allows") {
  guarded t("", "max_concurrent = 2", 300);
  std::atomic<bool> done{false};
  long long most_open = 0;
  std::thread watch([&] {
    while (!done)
      most_open = std::max(most_open, t.alpha.stats()["open"].get<long long>());
  });
  std::vector<std::future<http_response>> calls;
  for (int i = 0; i < 6; ++i)
    calls.push_back(std::async(std::launch::async, [&] { return t.daemon.chat("alpha:a1"); }));
  int ok = 0, refused = 0;
  for (auto& c : calls) {
    auto r = c.get();
    if (r.status == 200) ++ok;
    if (r.status == 429 && error_code(r) == "upstream_rate_limited") ++refused;
  }
  done = true;
  watch.join();
  CHECK(ok + refused == 6);
  CHECK(ok >= 2);
  CHECK(refused >= 1);
  CHECK(most_open <= 2);
  CHECK(t.provider("alpha")["limits"]["max_concurrent"] == 2);
}

TEST_CASE("a provider at its rpm is skipped for the route's other candidate") {
  // One attempt per request: a candidate skipped without a call does not use it up.
  guarded t("max_attempts = 1", "rpm = 2");
  for (int i = 0; i < 10; ++i)
    REQUIRE(t.daemon.chat("chat").status == 200);
  CHECK(t.calls_to(t.alpha) <= 2);
  CHECK(t.calls_to(t.beta) >= 8);
  CHECK(t.provider("alpha")["limits"]["calls_last_minute"].get<long long>() <= 2);
}

TEST_CASE("with no other candidate left the same one is tried again after the policy's wait") {
  guarded t("retry = \"fast\"");
  t.alpha.inject({{"kind", "status"}, {"status", 500}, {"count", 1}});
  auto r = t.daemon.chat("alpha:a1");
  REQUIRE(r.status == 200);
  CHECK(r.headers["x-llmopt-attempts"] == "2");
  CHECK(t.calls_to(t.alpha) == 2);

  // A 429's Retry-After is honoured: the retry waits at least that long.
  t.alpha.inject({{"kind", "status"}, {"status", 429}, {"retry_after_s", 1}, {"count", 1}});
  const auto started = std::chrono::steady_clock::now();
  auto waited = t.daemon.chat("alpha:a1");
  REQUIRE(waited.status == 200);
  CHECK(waited.headers["x-llmopt-attempts"] == "2");
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(1000));
}

TEST_CASE("a committed stream that outlives its deadline ends with a deadline_exceeded event") {
  guarded t("");
  t.alpha.inject({{"kind", "stall"}, {"after_tokens", 2}, {"count", 1}});
  json body{{"model", "alpha:a1"},
            {"stream", true},
            {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  auto r = http_request("POST", t.daemon.url() + "/v1/chat/completions", body.dump(),
                        {"Content-Type: application/json", "x-llmopt-timeout-ms: 1500"}, 30000);
  REQUIRE(r.status == 200);  // committed at the first token
  CHECK(r.body.find("deadline_exceeded") != std::string::npos);
  CHECK(r.body.find("[DONE]") == std::string::npos);
}
