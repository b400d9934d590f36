#include <catch2/catch.hpp>

#include <pthread.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "adapters/http/server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_socket.hpp"

using namespace llmopt;
using llmopt::test::http_request;

namespace {

std::unique_ptr<http::server> start_server(http::handler h, http::server_options o = {}) {
  auto s = http::server::start(std::move(o), std::move(h));
  REQUIRE(s.ok());
  return std::move(s.value());
}

std::string url(const http::server& s, const std::string& path) {
  return "http://" + s.address() + path;
}

}  // namespace

TEST_CASE("a request and its response round-trip with headers and body") {
  auto s = start_server([](http::request req, http::responder reply) {
    http::response r;
    r.content_type = "text/plain";
    r.headers = {{"X-Echo-Method", req.method}, {"X-Echo-Query", req.query}};
    r.body = req.path + "|" + req.header("x-custom", "none") + "|" + req.body;
    r.status = 201;
    reply(std::move(r));
  });
  CHECK(s->port() != 0);
  CHECK(s->address() == "127.0.0.1:" + std::to_string(s->port()));

  auto r = http_request("POST", url(*s, "/v1/echo?a=1&b=2"), "hello", {"X-Custom: yes"});
  CHECK(r.status == 201);
  CHECK(r.body == "/v1/echo|yes|hello");
  CHECK(r.headers["content-type"] == "text/plain");
  CHECK(r.headers["x-echo-method"] == "POST");
  CHECK(r.headers["x-echo-query"] == "a=1&b=2");
}

TEST_CASE("the I/O threads carry the name the options give them") {
  http::server_options o;
  o.thread_name = "gateway-io";
  auto s = start_server(
      [](http::request, http::responder reply) {
        char name[16] = {};
        ::pthread_getname_np(::pthread_self(), name, sizeof name);
        http::response r;
        r.body = name;
        reply(std::move(r));
      },
      o);
  CHECK(http_request("GET", url(*s, "/"), "").body == "gateway-io");
}

TEST_CASE("a handler may answer later from another thread") {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<http::responder> pending;
  auto s = start_server([&](http::request, http::responder reply) {
    std::lock_guard<std::mutex> lock(mu);
    pending = std::move(reply);
    cv.notify_one();
  });
  std::thread worker([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return pending.has_value(); })) return;
    http::response r;
    r.body = R"({"from":"worker"})";
    (*pending)(r);
    (*pending)(r);  // a second call is ignored
  });
  auto r = llmopt::test::http_get(url(*s, "/slow"));
  worker.join();
  CHECK(r.status == 200);
  CHECK(r.body == R"({"from":"worker"})");
  CHECK(r.headers["content-type"] == "application/json");
}

TEST_CASE("a handler that drops its responder unanswered yields 500") {
  auto s = start_server([](http::request, http::responder) {});
  auto r = llmopt::test::http_get(url(*s, "/"));
  CHECK(r.status == 500);
  CHECK(r.body.find("\"type\":\"server_error\"") != std::string::npos);
}

TEST_CASE("a body over max_body_bytes is answered 413 with an OpenAI error") {
  http::server_options o;
  o.max_body_bytes = 1024;
  auto s = start_server(
      [](http::request req, http::responder reply) {
        http::response r;
        r.body = std::to_string(req.body.size());
        reply(r);
      },
      o);
  auto small = llmopt::test::http_post_json(url(*s, "/"), std::string(1024, 'a'));
  CHECK(small.status == 200);
  CHECK(small.body == "1024");

  auto big = llmopt::test::http_post_json(url(*s, "/"), std::string(64 * 1024, 'a'));
  CHECK(big.status == 413);
  CHECK(big.body.find("\"type\":\"invalid_request_error\"") != std::string::npos);
  CHECK(big.body.find("\"code\":\"request_too_large\"") != std::string::npos);
}

TEST_CASE("garbage bytes are answered 400 and the connection closed") {
  auto s = start_server([](http::request, http::responder reply) { reply({}); });
  llmopt::test::raw_socket sock(s->port());
  REQUIRE(sock.connected());
  REQUIRE(sock.send_all(std::string("\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n", 24)));
  auto answer = sock.read_until_close();
  CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(answer.find("invalid_request_error") != std::string::npos);
}

TEST_CASE("binding an address in use fails naming the address") {
  auto first = start_server([](http::request, http::responder reply) { reply({}); });
  http::server_options o;
  o.listen = first->address();
  auto second = http::server::start(o, [](http::request, http::responder reply) { reply({}); });
  REQUIRE_FALSE(second.ok());
  CHECK(second.err().code == "bind_failed");
  CHECK(second.err().detail.find(first->address()) != std::string::npos);

  o.listen = "not-an-ip:80";
  auto bad = http::server::start(o, [](http::request, http::responder reply) { reply({}); });
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == "bad_address");
  CHECK(bad.err().detail.find("not-an-ip:80") != std::string::npos);
}

TEST_CASE("post_after runs the function on a server thread after the delay") {
  auto s = start_server([](http::request, http::responder reply) { reply({}); });
  std::promise<std::chrono::steady_clock::time_point> ran;
  auto fut = ran.get_future();
  const auto t0 = std::chrono::steady_clock::now();
  s->post_after(std::chrono::milliseconds(50),
                [&] { ran.set_value(std::chrono::steady_clock::now()); });
  REQUIRE(fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fut.get() - t0 >= std::chrono::milliseconds(50));
}

TEST_CASE("error_response builds an OpenAI error object with escaped text") {
  auto r = http::error_response(404, "invalid_request_error", "model \"x\"\n not found",
                                "model_not_found");
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":{"message":"model \"x\"\n not found","type":"invalid_request_error",)"
                  R"("code":"model_not_found"}})");
  CHECK(http::error_response(500, "server_error", "x").body ==
        R"({"error":{"message":"x","type":"server_error","code":null}})");
}
