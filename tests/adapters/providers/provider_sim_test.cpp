// The provider simulator as a server: admin updates, latency per the world
// model, determinism, model lookup, request checks, lists. Over plain HTTP,
// as any client speaks to it (the per-format shapes are in
// sim_formats_test.cpp, streams and faults in sim_stream_test.cpp).

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "adapters/providers/sim_completion.hpp"
#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

const std::string hello = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";

long chat_status(const provider_sim& sim, const std::string& body = hello) {
  return test::http_post_json(sim.base_url() + "/chat/completions", body).status;
}

}  // namespace

TEST_CASE("provider sim: an admin update flips a model to failing and back") {
  auto sim = start({model("openai:gpt-4o", 2, 4)});
  REQUIRE(chat_status(*sim) == 200);

  auto r = test::http_post_json(root_of(*sim) + "/admin/models/openai:gpt-4o",
                                R"({"error_rate": 1, "latency_ms": {"p95": 5}})");
  REQUIRE(r.status == 200);
  auto now = json::parse(r.body);
  CHECK(now["error_rate"] == 1.0);
  CHECK(now["latency_ms"]["median"] == 2.0);
  CHECK(now["latency_ms"]["p95"] == 5.0);
  for (int i = 0; i < 5; ++i) {
    auto failed = test::http_post_json(sim->base_url() + "/chat/completions", hello);
    CHECK(failed.status == 500);
    CHECK(json::parse(failed.body)["error"]["type"] == "server_error");
  }

  REQUIRE(sim->set_behaviour("openai:gpt-4o", {2, 4, 0, 0.9}).ok());
  CHECK(chat_status(*sim) == 200);
  CHECK(sim->models()[0].behaviour.quality == 0.9);
}

TEST_CASE("provider sim: bad admin updates are refused naming the field") {
  auto sim = start({model("openai:gpt-4o", 2, 4)});
  const auto url = root_of(*sim) + "/admin/models/openai%3Agpt-4o";
  auto r = test::http_post_json(url, R"({"error_rate": 2})");
  CHECK(r.status == 400);
  CHECK(r.body.find("error_rate") != std::string::npos);
  r = test::http_post_json(url, R"({"latency_ms": {"median": 10}})");
  CHECK(r.status == 400);  // median above p95
  CHECK(r.body.find("latency_ms.p95") != std::string::npos);
  r = test::http_post_json(url, R"({"colour": "red"})");
  CHECK(r.status == 400);
  CHECK(r.body.find("colour") != std::string::npos);
  for (const std::string bad :
       {R"({"ttft_ms": -1})", R"({"tokens_per_s": "fast"})", R"({"output_tokens": 0})"}) {
    INFO(bad);
    r = test::http_post_json(url, bad);
    CHECK(r.status == 400);
    CHECK(r.body.find(json::parse(bad).begin().key()) != std::string::npos);
  }
  CHECK(test::http_get(url).body.find("\"error_rate\":0.0") != std::string::npos);
  CHECK(test::http_post_json(root_of(*sim) + "/admin/models/nope", "{}").status == 404);

  CHECK(sim->set_behaviour("nope", {1, 2, 0, 1}).err().code == "unknown_model");
  CHECK(sim->set_behaviour("gpt-4o", {1, 2, 0, 1.5}).err().detail.find("quality") !=
        std::string::npos);
}

TEST_CASE("provider sim: admin updates set and unset the stream fields") {
  auto sim = start({model("openai:gpt-4o", 2, 4)});
  const auto url = root_of(*sim) + "/admin/models/gpt-4o";
  auto set = json::parse(
      test::http_post_json(url, R"({"ttft_ms": 5, "tokens_per_s": 0, "output_tokens": 7})").body);
  CHECK(set["ttft_ms"] == 5.0);
  CHECK(set["tokens_per_s"] == 0.0);
  CHECK(set["output_tokens"] == 7);
  CHECK(sim->models()[0].output_tokens == 7);
  auto answer = post_json(sim->base_url() + "/chat/completions", json::parse(hello));
  CHECK(answer["usage"]["completion_tokens"] == 7);
  auto unset = json::parse(test::http_post_json(url, R"({"output_tokens": null})").body);
  CHECK_FALSE(unset.contains("output_tokens"));
  CHECK(unset["ttft_ms"] == 5.0);
}

// Sends `total` requests keeping at most `window` in flight (so connection
// setup stays small next to the simulated latency); returns the observed
// latencies of the 200 answers, sorted.
struct timed_answers {
  std::vector<double> measured;  // by the client, sorted
  std::vector<double> drawn;     // as the simulator drew them, sorted
  double most_early_ms = 0;      // how much the earliest answer beat its draw
};

static timed_answers latencies_of(const std::string& url, int total, int window) {
  struct run {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<double> latencies;
    std::vector<double> drawn;  // x-sim-latency-ms of the same answers
    int finished = 0;
  };
  curl_loop loop;
  auto state = std::make_shared<run>();
  auto next = std::make_shared<std::atomic<int>>(0);
  auto self = std::make_shared<std::function<void()>>();
  *self = [&loop, url, total, state, next, weak = std::weak_ptr<std::function<void()>>(self)] {
    if (next->fetch_add(1) >= total) return;
    curl_loop::http_call call;
    call.url = url;
    call.body = R"({"model":"fast","messages":[{"role":"user","content":"hi"}]})";
    call.headers = {"Content-Type: application/json"};
    loop.submit(std::move(call), [state, weak](curl_loop::http_result r) {
      {
        std::lock_guard<std::mutex> lock(state->mu);
        if (r.status == 200) {
          state->latencies.push_back(r.latency_ms);
          state->drawn.push_back(std::stod(r.header("x-sim-latency-ms")));
        }
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
  timed_answers out;
  for (std::size_t i = 0; i < state->latencies.size(); ++i)
    out.most_early_ms = std::max(out.most_early_ms, state->drawn[i] - state->latencies[i]);
  out.measured = state->latencies;
  out.drawn = state->drawn;
  std::sort(out.measured.begin(), out.measured.end());
  std::sort(out.drawn.begin(), out.drawn.end());
  return out;
}

TEST_CASE("provider sim: the median latency of a fast model matches its draw") {
  auto sim = start({model("openai:fast", 20, 40)}, 42);
  constexpr int requests = 200;
  auto answers = latencies_of(sim->base_url() + "/chat/completions", requests, 20);
  REQUIRE(answers.measured.size() == requests);
  // The draws follow the model (a property of the seed, not of the machine).
  const double median = answers.drawn[requests / 2];
  const double p95 = answers.drawn[requests * 95 / 100];
  INFO("drawn median " << median << " ms, p95 " << p95 << " ms");
  CHECK(median >= 17);
  CHECK(median <= 23);
  CHECK(p95 >= 30);
  CHECK(p95 <= 50);
  // No answer comes before its draw (1 ms of timer rounding); how much later
  // a loaded machine delivers it is not the simulator's to promise.
  CHECK(answers.most_early_ms <= 1);
  CHECK(answers.measured[requests / 2] >= median - 1);
}

TEST_CASE("provider sim: same seed, same outcomes (common random numbers)") {
  const auto coin = model("openai:coin", 1, 2, 0.5);
  auto outcomes = [&](std::uint64_t seed) {
    auto sim = start({coin}, seed);
    std::string seen;
    for (int i = 0; i < 20; ++i) {
      auto r =
          test::http_post_json(sim->base_url() + "/chat/completions",
                               R"({"model":"coin","messages":[{"role":"user","content":"hi"}]})");
      seen += r.status == 200 ? 'o' : 'x';
      seen += r.headers["x-sim-latency-ms"];
      // The draws are the world model's, as before the simulator spoke
      // other formats: request i of a sequential client draws (seed, i).
      const auto draw = draw_request(coin, seed, i);
      CHECK(r.status == (draw.failed ? 500 : 200));
      CHECK(r.headers["x-sim-latency-ms"] == std::to_string(std::llround(draw.latency_ms)));
      CHECK(r.headers["x-sim-good"] == (draw.good ? "1" : "0"));
      if (r.status == 200)
        CHECK(json::parse(r.body)["usage"]["completion_tokens"] ==
              draw_completion_tokens(seed, i, 300, std::nullopt));
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
  auto sim = start(
      {model("openai:gpt-4o", 1, 2), model("azure:gpt-4o", 1, 2), model("anthropic:claude", 1, 2)});
  auto ask = [&](const std::string& name) {
    return test::http_post_json(
        sim->base_url() + "/chat/completions",
        R"({"model":")" + name + R"(","messages":[{"role":"user","content":"x"}]})");
  };
  CHECK(ask("azure:gpt-4o").status == 200);
  CHECK(ask("claude").status == 200);
  auto ambiguous = ask("gpt-4o");
  CHECK(ambiguous.status == 404);
  CHECK(json::parse(ambiguous.body)["error"]["code"] == "model_not_found");
}

TEST_CASE("provider sim: malformed requests are 400 with an OpenAI error") {
  auto sim = start({model("openai:gpt-4o", 1, 2)});
  const auto url = sim->base_url() + "/chat/completions";
  for (const std::string body :
       {"{not json", R"({"messages":[]})", R"({"model":"gpt-4o"})", R"(["model"])"}) {
    INFO(body);
    auto r = test::http_post_json(url, body);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["type"] == "invalid_request_error");
  }
  CHECK(test::http_get(url).status == 405);
  CHECK(test::http_get(root_of(*sim) + "/nowhere").status == 404);
}

TEST_CASE("provider sim: lists its models and answers health checks") {
  auto sim = start({model("openai:gpt-4o", 1, 2), model("anthropic:claude", 1, 2)});
  auto r = test::http_get(sim->base_url() + "/models");
  REQUIRE(r.status == 200);
  auto list = json::parse(r.body);
  CHECK(list["object"] == "list");
  REQUIRE(list["data"].size() == 2);
  CHECK(list["data"][0]["id"] == "openai:gpt-4o");
  CHECK(list["data"][1]["owned_by"] == "anthropic");
  CHECK(test::http_get(root_of(*sim) + "/health").status == 200);
  auto tags = json::parse(test::http_get(root_of(*sim) + "/api/tags").body);
  CHECK(tags["models"][1]["name"] == "anthropic:claude");
  CHECK(test::http_get(root_of(*sim) + "/api/version").status == 200);
}

TEST_CASE("provider sim: each format's base URL") {
  auto sim = start({model("openai:gpt-4o", 1, 2)});
  const auto root = "http://127.0.0.1:" + std::to_string(sim->port());
  CHECK(sim->base_url() == root + "/v1");
  CHECK(sim->base_url(sim_format::openai) == root + "/v1");
  CHECK(sim->base_url(sim_format::anthropic) == root + "/v1");
  CHECK(sim->base_url(sim_format::gemini) == root + "/v1beta");
  CHECK(sim->base_url(sim_format::ollama) == root);
}

TEST_CASE("provider sim: refuses to start without models or with duplicate ids") {
  CHECK_FALSE(provider_sim::start({}).ok());
  provider_sim_options o;
  o.models = {model("openai:a", 1, 2), model("openai:a", 1, 2)};
  auto dup = provider_sim::start(o);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.err().detail.find("duplicate") != std::string::npos);
  o.models = {model("openai:a", 5, 2)};
  auto bad = provider_sim::start(o);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().detail.find("latency_ms.p95") != std::string::npos);
}
