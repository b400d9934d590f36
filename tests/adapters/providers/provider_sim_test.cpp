#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/adapters/providers/provider_fixture.hpp"
#include "tests/support/http_client.hpp"

using namespace llmopt;
using llmopt::test::hello_call;
using llmopt::test::send_and_wait;
using llmopt::test::sim_model;
using llmopt::test::start_sim;
using nlohmann::json;

namespace {

std::string root_of(const provider_sim& sim) {
  return "http://127.0.0.1:" + std::to_string(sim.port());
}

}  // namespace

TEST_CASE("provider sim: an admin update flips a model to failing and back") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 2, 4)});
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {sim->base_url(), "", 5000});
  REQUIRE(send_and_wait(*client, hello_call("gpt-4o")).status == call_status::ok);

  auto r = llmopt::test::http_post_json(root_of(*sim) + "/admin/models/openai:gpt-4o",
                                        R"({"error_rate": 1, "latency_ms": {"p95": 5}})");
  REQUIRE(r.status == 200);
  auto now = json::parse(r.body);
  CHECK(now["error_rate"] == 1.0);
  CHECK(now["latency_ms"]["median"] == 2.0);
  CHECK(now["latency_ms"]["p95"] == 5.0);
  for (int i = 0; i < 5; ++i) {
    auto failed = send_and_wait(*client, hello_call("gpt-4o"));
    CHECK(failed.status == call_status::error);
    CHECK(failed.http_status == 500);
  }

  REQUIRE(sim->set_behaviour("openai:gpt-4o", {2, 4, 0, 0.9}).ok());
  CHECK(send_and_wait(*client, hello_call("gpt-4o")).status == call_status::ok);
  CHECK(sim->models()[0].behaviour.quality == 0.9);
}

TEST_CASE("provider sim: bad admin updates are refused naming the field") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 2, 4)});
  const auto url = root_of(*sim) + "/admin/models/openai%3Agpt-4o";
  auto r = llmopt::test::http_post_json(url, R"({"error_rate": 2})");
  CHECK(r.status == 400);
  CHECK(r.body.find("error_rate") != std::string::npos);
  r = llmopt::test::http_post_json(url, R"({"latency_ms": {"median": 10}})");
  CHECK(r.status == 400);  // median above p95
  CHECK(r.body.find("latency_ms.p95") != std::string::npos);
  r = llmopt::test::http_post_json(url, R"({"colour": "red"})");
  CHECK(r.status == 400);
  CHECK(r.body.find("colour") != std::string::npos);
  CHECK(llmopt::test::http_get(url).body.find("\"error_rate\":0.0") != std::string::npos);
  CHECK(llmopt::test::http_post_json(root_of(*sim) + "/admin/models/nope", "{}").status == 404);

  CHECK(sim->set_behaviour("nope", {1, 2, 0, 1}).err().code == "unknown_model");
  CHECK(sim->set_behaviour("gpt-4o", {1, 2, 0, 1.5}).err().detail.find("quality") !=
        std::string::npos);
}

// Sends `total` calls keeping at most `window` in flight (so the client's
// own connection setup stays small next to the simulated latency); returns
// the observed latencies of the ok replies, sorted.
static std::vector<double> latencies_of(provider_client& client, const std::string& model,
                                        int total, int window) {
  struct run {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<double> latencies;
    int finished = 0;
  };
  auto state = std::make_shared<run>();
  auto next = std::make_shared<std::atomic<int>>(0);
  auto self = std::make_shared<std::function<void()>>();
  *self = [&client, model, total, state, next, weak = std::weak_ptr<std::function<void()>>(self)] {
    if (next->fetch_add(1) >= total) return;
    client.send(hello_call(model), [state, weak](chat_reply r) {
      {
        std::lock_guard<std::mutex> lock(state->mu);
        if (r.status == call_status::ok) state->latencies.push_back(r.latency_ms);
        ++state->finished;
      }
      state->cv.notify_one();
      if (auto send_next = weak.lock()) (*send_next)();
    });
  };
  for (int i = 0; i < window; ++i)
    (*self)();
  std::unique_lock<std::mutex> lock(state->mu);
  REQUIRE(
      state->cv.wait_for(lock, std::chrono::seconds(15), [&] { return state->finished == total; }));
  std::sort(state->latencies.begin(), state->latencies.end());
  return state->latencies;
}

TEST_CASE("provider sim: the median latency of a fast model matches its draw") {
  auto sim = start_sim({sim_model("openai:fast", 20, 40)}, 42);
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {sim->base_url(), "", 5000});
  constexpr int requests = 200;
  auto latencies = latencies_of(*client, "fast", requests, 20);
  REQUIRE(latencies.size() == requests);
  const double median = latencies[requests / 2];
  const double p95 = latencies[requests * 95 / 100];
  INFO("median " << median << " ms, p95 " << p95 << " ms");
  CHECK(median >= 17);
  CHECK(median <= 27);
  CHECK(p95 >= 30);
  CHECK(p95 <= 70);
}

TEST_CASE("provider sim: same seed, same outcomes (common random numbers)") {
  auto outcomes = [](std::uint64_t seed) {
    auto sim = start_sim({sim_model("openai:coin", 1, 2, 0.5)}, seed);
    std::string seen;
    for (int i = 0; i < 20; ++i) {
      auto r = llmopt::test::http_post_json(
          sim->base_url() + "/chat/completions",
          R"({"model":"coin","messages":[{"role":"user","content":"hi"}]})");
      seen += r.status == 200 ? 'o' : 'x';
      seen += r.headers["x-sim-latency-ms"];
    }
    return seen;
  };
  const auto first = outcomes(7);
  CHECK(first == outcomes(7));
  CHECK(first != outcomes(8));
  CHECK(first.find('o') != std::string::npos);
  CHECK(first.find('x') != std::string::npos);
}

TEST_CASE("provider sim: models are found by full id or unique short name") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 1, 2), sim_model("azure:gpt-4o", 1, 2),
                        sim_model("anthropic:claude", 1, 2)});
  const auto url = sim->base_url() + "/chat/completions";
  auto ask = [&](const std::string& model) {
    return llmopt::test::http_post_json(
        url, R"({"model":")" + model + R"(","messages":[{"role":"user","content":"x"}]})");
  };
  CHECK(ask("azure:gpt-4o").status == 200);
  CHECK(ask("claude").status == 200);
  auto ambiguous = ask("gpt-4o");
  CHECK(ambiguous.status == 404);
  CHECK(ambiguous.body.find("model_not_found") != std::string::npos);
}

TEST_CASE("provider sim: malformed requests are 400 with an OpenAI error") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 1, 2)});
  const auto url = sim->base_url() + "/chat/completions";
  for (const std::string body :
       {"{not json", R"({"messages":[]})", R"({"model":"gpt-4o"})", R"(["model"])"}) {
    INFO(body);
    auto r = llmopt::test::http_post_json(url, body);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["type"] == "invalid_request_error");
  }
  CHECK(llmopt::test::http_get(url).status == 405);
  CHECK(llmopt::test::http_get(root_of(*sim) + "/nowhere").status == 404);
}

TEST_CASE("provider sim: lists its models and answers health checks") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 1, 2), sim_model("anthropic:claude", 1, 2)});
  auto r = llmopt::test::http_get(sim->base_url() + "/models");
  REQUIRE(r.status == 200);
  auto list = json::parse(r.body);
  CHECK(list["object"] == "list");
  REQUIRE(list["data"].size() == 2);
  CHECK(list["data"][0]["id"] == "openai:gpt-4o");
  CHECK(list["data"][1]["owned_by"] == "anthropic");
  CHECK(llmopt::test::http_get(root_of(*sim) + "/health").status == 200);
}

TEST_CASE("provider sim: refuses to start without models or with duplicate ids") {
  CHECK_FALSE(provider_sim::start({}).ok());
  provider_sim_options o;
  o.models = {sim_model("openai:a", 1, 2), sim_model("openai:a", 1, 2)};
  auto dup = provider_sim::start(o);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.err().detail.find("duplicate") != std::string::npos);
  o.models = {sim_model("openai:a", 5, 2)};
  auto bad = provider_sim::start(o);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().detail.find("latency_ms.p95") != std::string::npos);
}
