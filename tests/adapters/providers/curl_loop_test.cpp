#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include "adapters/http/server.hpp"
#include "adapters/providers/curl_loop.hpp"

using namespace llmopt;

namespace {

std::unique_ptr<http::server> echo_server() {
  auto s = http::server::start({}, [](http::request req, http::responder reply) {
    http::response r;
    r.content_type = "text/plain";
    r.body = req.method + " " + req.path + " " + req.body;
    reply(std::move(r));
  });
  REQUIRE(s.ok());
  return std::move(s.value());
}

}  // namespace

TEST_CASE("curl_loop completes many concurrent calls, submitted from several threads") {
  auto server = echo_server();
  curl_loop loop;
  constexpr int threads = 4, per_thread = 25;
  std::vector<std::future<curl_loop::http_result>> results[threads];
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto p = std::make_shared<std::promise<curl_loop::http_result>>();
        results[t].push_back(p->get_future());
        curl_loop::http_call call;
        call.url = "http://" + server->address() + "/t" + std::to_string(t);
        call.body = std::to_string(i);
        loop.submit(std::move(call), [p](curl_loop::http_result r) { p->set_value(r); });
      }
    });
  for (auto& s : submitters)
    s.join();
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i) {
      auto& f = results[t][static_cast<std::size_t>(i)];
      REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
      auto r = f.get();
      CHECK(r.status == 200);
      CHECK(r.body == "POST /t" + std::to_string(t) + " " + std::to_string(i));
      CHECK(r.error.empty());
    }
}

TEST_CASE("curl_loop: GET and other methods") {
  auto server = echo_server();
  curl_loop loop;
  for (const std::string method : {"GET", "PUT", "DELETE"}) {
    std::promise<curl_loop::http_result> p;
    auto f = p.get_future();
    curl_loop::http_call call;
    call.method = method;
    call.url = "http://" + server->address() + "/x";
    if (method == "PUT") call.body = "b";
    loop.submit(call, [&p](curl_loop::http_result r) { p.set_value(r); });
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto r = f.get();
    CHECK(r.status == 200);
    CHECK(r.body == method + " /x " + (method == "PUT" ? "b" : ""));
  }
}

TEST_CASE("curl_loop: destroying the loop completes pending calls with an error") {
  std::promise<void> arrived;
  auto parked = std::make_shared<std::vector<http::responder>>();
  std::mutex parked_mu;
  auto s = http::server::start({}, [&](http::request, http::responder reply) {
    std::lock_guard<std::mutex> lock(parked_mu);
    parked->push_back(std::move(reply));  // never answered
    arrived.set_value();
  });
  REQUIRE(s.ok());
  std::promise<curl_loop::http_result> done;
  auto result = done.get_future();
  {
    curl_loop loop;
    curl_loop::http_call call;
    call.url = "http://" + s.value()->address() + "/hang";
    loop.submit(call, [&done](curl_loop::http_result r) { done.set_value(r); });
    REQUIRE(arrived.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  }
  REQUIRE(result.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  auto r = result.get();
  CHECK(r.status == 0);
  CHECK(r.error == "curl loop stopped");
  s.value()->stop();
}
