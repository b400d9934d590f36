#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "adapters/http/server.hpp"
#include "tests/adapters/providers/provider_fixture.hpp"

using namespace llmopt;
using llmopt::test::hello_call;
using llmopt::test::send_and_wait;
using llmopt::test::sim_model;
using llmopt::test::start_sim;

namespace {

// A tiny server answering every request with `answer`, remembering the
// last Authorization header it saw.
struct canned_server {
  std::promise<std::string> authorization;
  std::future<std::string> authorization_seen = authorization.get_future();
  std::unique_ptr<http::server> server;

  explicit canned_server(http::response answer) {
    auto s = http::server::start({}, [this, answer](http::request req, http::responder reply) {
      try {
        authorization.set_value(req.header("authorization", "<none>"));
      } catch (const std::future_error&) {  // only the first request is recorded
      }
      reply(answer);
    });
    REQUIRE(s.ok());
    server = std::move(s.value());
  }
  std::string base_url() const { return "http://" + server->address() + "/v1"; }
};

}  // namespace

TEST_CASE("openai client: an ok reply carries the usage tokens and the body") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 5, 10)});
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {sim->base_url(), "", 5000});
  auto call = hello_call("gpt-4o");
  call.body["max_tokens"] = 7;
  auto r = send_and_wait(*client, call);
  REQUIRE(r.status == call_status::ok);
  CHECK(r.http_status == 200);
  CHECK(r.error.empty());
  CHECK(r.input_tokens == 6);  // 27 characters / 4
  CHECK(r.output_tokens >= 1);
  CHECK(r.output_tokens <= 7);
  CHECK(r.latency_ms > 0);
  CHECK(r.body["object"] == "chat.completion");
  CHECK(r.body["choices"][0]["message"]["role"] == "assistant");
  CHECK(r.body["usage"]["total_tokens"] == r.input_tokens + r.output_tokens);
}

TEST_CASE("openai client: a failing model is an error with http 500") {
  auto sim = start_sim({sim_model("openai:broken", 5, 10, 1.0)});
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {sim->base_url(), "", 5000});
  auto r = send_and_wait(*client, hello_call("openai:broken"));
  CHECK(r.status == call_status::error);
  CHECK(r.http_status == 500);
  CHECK(r.error.find("simulated failure") != std::string::npos);
}

TEST_CASE("openai client: an answer slower than the timeout is a timeout") {
  auto sim = start_sim({sim_model("openai:slow", 3000, 4000)});
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {sim->base_url(), "", 200});
  const auto t0 = std::chrono::steady_clock::now();
  auto r = send_and_wait(*client, hello_call("slow"));
  CHECK(r.status == call_status::timeout);
  CHECK(r.http_status == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2000));
}

TEST_CASE("openai client: connection refused is an error without an http status") {
  std::string base;
  {
    canned_server closed(http::response{});
    base = closed.base_url();
  }  // nothing listens there any more
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {base, "sk-secret", 2000});
  auto r = send_and_wait(*client, hello_call("gpt-4o"));
  CHECK(r.status == call_status::error);
  CHECK(r.http_status == 0);
  CHECK(r.error.find("connection failed") != std::string::npos);
}

TEST_CASE("openai client: an unknown model is a 404 error") {
  auto sim = start_sim({sim_model("openai:gpt-4o", 5, 10)});
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {sim->base_url() + "/", "", 5000});
  auto r = send_and_wait(*client, hello_call("no-such-model"));
  CHECK(r.status == call_status::error);
  CHECK(r.http_status == 404);
  CHECK(r.error.find("does not exist") != std::string::npos);
}

TEST_CASE("openai client: the API key goes out as a Bearer header, never into errors") {
  const std::string key = "sk-test-0123456789";
  canned_server upstream(http::error_response(
      401, "invalid_request_error", "Incorrect API key provided: " + key, "invalid_api_key"));
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {upstream.base_url(), key, 5000});
  auto r = send_and_wait(*client, hello_call("gpt-4o"));
  auto& seen = upstream.authorization_seen;
  REQUIRE(seen.wait_for(std::chrono::seconds(1)) == std::future_status::ready);
  CHECK(seen.get() == "Bearer " + key);
  CHECK(r.status == call_status::error);
  CHECK(r.http_status == 401);
  CHECK(r.error.find("Incorrect API key provided") != std::string::npos);
  CHECK(r.error.find(key) == std::string::npos);
}

TEST_CASE("openai client: no key, no Authorization header") {
  canned_server upstream(http::response{200, "application/json", {}, R"({"choices":[]})"});
  curl_loop loop;
  auto client = make_openai_compatible_client(loop, {upstream.base_url(), "", 5000});
  auto r = send_and_wait(*client, hello_call("gpt-4o"));
  CHECK(r.status == call_status::ok);
  REQUIRE(upstream.authorization_seen.wait_for(std::chrono::seconds(1)) ==
          std::future_status::ready);
  CHECK(upstream.authorization_seen.get() == "<none>");
}

TEST_CASE("openai client: a 2xx without JSON choices is an error") {
  SECTION("not JSON") {
    canned_server upstream(http::response{200, "text/plain", {}, "hello"});
    curl_loop loop;
    auto client = make_openai_compatible_client(loop, {upstream.base_url(), "", 5000});
    auto r = send_and_wait(*client, hello_call("m"));
    CHECK(r.status == call_status::error);
    CHECK(r.http_status == 200);
    CHECK(r.error.find("invalid JSON") != std::string::npos);
  }
  SECTION("no choices") {
    canned_server upstream(http::response{200, "application/json", {}, R"({"id":"x"})"});
    curl_loop loop;
    auto client = make_openai_compatible_client(loop, {upstream.base_url(), "", 5000});
    auto r = send_and_wait(*client, hello_call("m"));
    CHECK(r.status == call_status::error);
    CHECK(r.error.find("no choices") != std::string::npos);
  }
}

TEST_CASE("read_chat_reply takes the billed cost from usage.cost when the provider reports it") {
  auto reply_with = [](const std::string& usage) {
    curl_loop::http_result r;
    r.status = 200;
    r.body =
        R"({"choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":)" + usage + "}";
    return read_chat_reply(r, 1000, "");
  };
  auto billed = reply_with(R"({"prompt_tokens":12,"completion_tokens":3,"cost":0.00042})");
  REQUIRE(billed.status == call_status::ok);
  REQUIRE(billed.billed_usd);
  CHECK(*billed.billed_usd == Approx(0.00042));
  CHECK(billed.input_tokens == 12);
  CHECK_FALSE(reply_with(R"({"prompt_tokens":12,"completion_tokens":3})").billed_usd);
  CHECK_FALSE(reply_with(R"({"prompt_tokens":12,"cost":"0.1"})").billed_usd);
  CHECK_FALSE(reply_with(R"({"prompt_tokens":12,"cost":-1})").billed_usd);
  CHECK(reply_with(R"({"prompt_tokens":12,"cost":-1})").status == call_status::ok);
}

TEST_CASE("read_chat_reply masks the key wherever it appears") {
  curl_loop::http_result r;
  r.status = 0;
  r.error = "could not resolve k3y and k3y again";
  auto reply = read_chat_reply(r, 1000, "k3y");
  CHECK(reply.status == call_status::error);
  CHECK(reply.error.find("k3y") == std::string::npos);
  CHECK(reply.error.find("[redacted]") != std::string::npos);
}
