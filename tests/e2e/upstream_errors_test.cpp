// Issue 13, part 1: a client's mistake is not a model failure. Each upstream
// status is injected by the provider simulator and must be classified:
// request errors go back to the client as they are, without trying
// elsewhere and without counting against the model; credential errors count
// against the provider key and fail over; everything else fails over and
// counts against the model.

#include <catch2/catch.hpp>

#include <chrono>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

struct upstream_errors {
  temp_dir dir;
  sim_process sim{dir, "models",
                  R"([{"id":"alpha:a1","price_in_per_mtok":1,"price_out_per_mtok":2,)"
                  R"("latency_ms":{"median":5,"p95":10},"error_rate":0,"quality":0.8},)"
                  R"({"id":"beta:b1","price_in_per_mtok":1,"price_out_per_mtok":2,)"
                  R"("latency_ms":{"median":5,"p95":10},"error_rate":0,"quality":0.8}])"};
  running_daemon daemon{config()};

  // Two providers of two wire formats on one simulator; no model is taken
  // down by the few failures injected here (down_min_calls is high), nor
  // its breaker opened, and a failure is never retried after a wait.
  std::string config() const {
    return R"(state_dir = "${STATE_DIR}"
[http]
listen = "127.0.0.1:0"
[auth]
required = false
[router]
breaker_failures = 1000
retry = "none"
[decision]
tick_ms = 200
down_min_calls = 1000
[[providers]]
name = "alpha"
kind = "openai"
base_url = ")" +
           sim.root() + R"(/v1"
timeout_ms = 1000
[[providers]]
name = "beta"
kind = "anthropic"
base_url = ")" +
           sim.root() + R"(/v1"
timeout_ms = 1000
[[providers]]
name = "dead"
kind = "openai_compatible"
base_url = "http://127.0.0.1:9/v1"
[[models]]
id = "alpha:a1"
[[models]]
id = "beta:b1"
[[models]]
id = "dead:m"
[[routes]]
name = "chat"
candidates = ["alpha:a1", "beta:b1"]
)";
  }

  long long sim_requests() { return sim.stats()["requests"].get<long long>(); }

  nlohmann::json provider(const std::string& name) {
    auto r = http_get(daemon.url() + "/admin/v1/providers");
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body)["providers"].value(name, nlohmann::json::object());
  }
  long long provider_count(const std::string& name, const char* counter) {
    return provider(name).value(counter, 0LL);
  }

  nlohmann::json lifetime(const std::string& model) { return daemon.models()[model]["lifetime"]; }

  // The model's outcomes so far, settled: a successful bypass call to it is
  // the last signal it gets, so once that call shows, everything before it
  // has been applied.
  std::pair<long long, long long> settled_counts(const std::string& model) {
    const long long calls_before = lifetime(model).value("calls", 0LL);
    REQUIRE(daemon.chat(model).status == 200);
    REQUIRE(eventually([&] { return lifetime(model).value("calls", 0LL) > calls_before; }));
    auto l = lifetime(model);
    return {l["calls"].get<long long>() - 1, l["errors"].get<long long>()};
  }

  std::string other(const std::string& model) {
    return model == "alpha:a1" ? "beta:b1" : "alpha:a1";
  }
};

std::string provider_of(const std::string& model) {
  return model.substr(0, model.find(':'));
}

}  // namespace

TEST_CASE("request errors go back as they are: not retried elsewhere, not counted") {
  upstream_errors t;
  for (int status : {400, 404, 413, 422}) {
    INFO("upstream status " << status);
    const long long before = t.sim_requests();
    t.sim.inject({{"kind", "status"}, {"status", status}, {"count", 1}});
    auto r = t.daemon.chat("chat");
    REQUIRE(r.status == status);
    auto error = nlohmann::json::parse(r.body)["error"];
    CHECK(error["type"] == "invalid_request_error");
    CHECK(error["message"].get<std::string>().find("HTTP " + std::to_string(status)) !=
          std::string::npos);
    CHECK(r.headers["x-llmopt-attempts"] == "1");
    CHECK(t.sim_requests() == before + 1);  // no other candidate was asked
    const std::string model = r.headers["x-llmopt-model"];
    CHECK(eventually([&] { return t.provider_count(provider_of(model), "request_errors") > 0; }));
    auto [calls, errors] = t.settled_counts(model);
    auto [calls_after, errors_after] = t.settled_counts(model);
    CHECK(errors_after == errors);  // the request error never counted
    CHECK(calls_after == calls + 1);
  }
  // Counted per provider: one request error per status.
  CHECK(t.provider_count("alpha", "request_errors") + t.provider_count("beta", "request_errors") ==
        4);
}

TEST_CASE("credential errors count against the provider key and fail over") {
  upstream_errors t;
  for (int status : {401, 403}) {
    INFO("upstream status " << status);
    t.sim.inject({{"kind", "status"}, {"status", status}, {"count", 1}});
    auto r = t.daemon.chat("chat");
    REQUIRE(r.status == 200);
    CHECK(r.headers["x-llmopt-attempts"] == "2");
    const std::string failed = t.other(r.headers["x-llmopt-model"]);
    CHECK(eventually(
        [&] { return t.provider_count(provider_of(failed), "credentials_errors") > 0; }));
    CHECK(t.settled_counts(failed).second == 0);  // not the model's failure
  }
  CHECK(t.provider_count("alpha", "credentials_errors") +
            t.provider_count("beta", "credentials_errors") ==
        2);
}

TEST_CASE("408, 429, 5xx and timeouts fail over and count against the model") {
  upstream_errors t;
  long long injected = 0;
  for (const auto& fault :
       {nlohmann::json{{"kind", "status"}, {"status", 408}},
        nlohmann::json{{"kind", "status"}, {"status", 429}},
        nlohmann::json{{"kind", "status"}, {"status", 500}},
        nlohmann::json{{"kind", "status"}, {"status", 503}},
        nlohmann::json{{"kind", "status"}, {"status", 529}}, nlohmann::json{{"kind", "stall"}}}) {
    INFO("fault " << fault.dump());
    t.sim.inject(fault);
    auto r = t.daemon.chat("chat");
    REQUIRE(r.status == 200);
    CHECK(r.headers["x-llmopt-attempts"] == "2");
    ++injected;
  }
  // Every injected failure counted against a model, and nothing else did.
  auto [a_calls, a_errors] = t.settled_counts("alpha:a1");
  auto [b_calls, b_errors] = t.settled_counts("beta:b1");
  CHECK(a_errors + b_errors == injected);
  CHECK(t.provider_count("alpha", "model_failures") + t.provider_count("beta", "model_failures") ==
        injected);
}

TEST_CASE(
    "connection errors count against the model, and all rate limited is a 429 with Retry-After") {
  upstream_errors t;
  auto dead = t.daemon.chat("dead:m");
  REQUIRE(dead.status == 502);
  CHECK(nlohmann::json::parse(dead.body)["error"]["code"] == "upstream_failed");
  CHECK(eventually([&] { return t.provider_count("dead", "model_failures") == 1; }));

  t.sim.inject({{"kind", "status"}, {"status", 429}, {"retry_after_s", 7}, {"count", 2}});
  auto limited = t.daemon.chat("chat");
  REQUIRE(limited.status == 429);
  CHECK(limited.headers["retry-after"] == "7");
  CHECK(nlohmann::json::parse(limited.body)["error"]["type"] == "rate_limit_error");
  CHECK(limited.headers["x-llmopt-attempts"] == "2");
}
