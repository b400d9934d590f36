#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

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

namespace {

// A server streaming `pieces` pieces; the stream handle is published so the
// test can write more, end it or leave it stalled.
struct streaming_server {
  std::promise<std::shared_ptr<http::response_stream>> opened;
  std::promise<void> abandoned;
  std::unique_ptr<http::server> server;

  streaming_server() {
    auto s = http::server::start({}, [this](http::request, http::responder reply) {
      reply.on_abandon([this] { abandoned.set_value(); });
      http::response head;
      head.content_type = "text/event-stream";
      head.headers = {{"x-upstream", "sim"}};
      opened.set_value(reply.stream(std::move(head)));
    });
    REQUIRE(s.ok());
    server = std::move(s.value());
  }
  std::string url() const { return "http://" + server->address() + "/stream"; }
};

}  // namespace

TEST_CASE("curl_loop: a 2xx body streams to on_body, pauses and resumes") {
  streaming_server upstream;
  curl_loop loop;
  std::mutex mu;
  std::string received;
  std::promise<void> first_piece;
  bool first = true;
  std::promise<curl_loop::http_result> done;
  curl_loop::http_call call;
  call.url = upstream.url();
  call.timeout_ms = 0;
  call.on_body = [&](std::string_view bytes) {
    std::lock_guard<std::mutex> lock(mu);
    received.append(bytes);
    if (first) first_piece.set_value();
    first = false;
    return false;  // hold after every piece until resumed
  };
  auto id = loop.submit(call, [&](curl_loop::http_result r) { done.set_value(std::move(r)); });
  auto stream = upstream.opened.get_future().get();
  REQUIRE(stream);
  stream->write("one;");
  REQUIRE(first_piece.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  stream->write("two;");
  stream->end();
  auto result = done.get_future();
  // Held: the rest stays with libcurl until resume().
  for (int i = 0;
       i < 100 && result.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready; ++i)
    loop.resume(id);
  REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto r = result.get();
  CHECK(r.status == 200);
  CHECK(r.body.empty());  // given to on_body instead
  CHECK(r.header("x-upstream") == "sim");
  std::lock_guard<std::mutex> lock(mu);
  CHECK(received == "one;two;");
}

TEST_CASE("curl_loop: cancel aborts a call in flight, and the server sees the client go") {
  streaming_server upstream;
  curl_loop loop;
  std::promise<curl_loop::http_result> done;
  curl_loop::http_call call;
  call.url = upstream.url();
  call.on_body = [](std::string_view) { return true; };
  auto id = loop.submit(call, [&](curl_loop::http_result r) { done.set_value(std::move(r)); });
  auto stream = upstream.opened.get_future().get();
  stream->write("x");
  loop.cancel(id);
  auto result = done.get_future();
  REQUIRE(result.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto r = result.get();
  CHECK(r.cancelled);
  CHECK(r.error == "cancelled");
  CHECK(upstream.abandoned.get_future().wait_for(std::chrono::seconds(5)) ==
        std::future_status::ready);
  loop.cancel(id);  // already done: nothing happens
}

TEST_CASE("curl_loop: a stream that stalls fails after idle_timeout_ms") {
  streaming_server upstream;
  curl_loop loop;
  std::promise<curl_loop::http_result> done;
  curl_loop::http_call call;
  call.url = upstream.url();
  call.timeout_ms = 0;
  call.idle_timeout_ms = 200;
  call.on_body = [](std::string_view) { return true; };
  loop.submit(call, [&](curl_loop::http_result r) { done.set_value(std::move(r)); });
  auto stream = upstream.opened.get_future().get();
  stream->write("started");  // ... then nothing
  auto result = done.get_future();
  REQUIRE(result.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto r = result.get();
  CHECK(r.timed_out);
  CHECK(r.error == "no data for 200 ms");
  CHECK(r.latency_ms >= 150);
}

TEST_CASE("curl_loop: an error status is collected whole even when streaming was asked") {
  auto s = http::server::start({}, [](http::request, http::responder reply) {
    reply(http::error_response(429, "rate_limit_error", "slow down", "rate_limited"));
  });
  REQUIRE(s.ok());
  curl_loop loop;
  std::promise<curl_loop::http_result> done;
  curl_loop::http_call call;
  call.url = "http://" + s.value()->address() + "/x";
  bool streamed = false;
  call.on_body = [&](std::string_view) { return streamed = true; };
  loop.submit(call, [&](curl_loop::http_result r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  CHECK(r.status == 429);
  CHECK_FALSE(streamed);
  CHECK(r.body.find("slow down") != std::string::npos);
}

TEST_CASE("curl_loop: posted functions run on the loop thread, in order") {
  curl_loop loop;
  std::vector<int> order;
  std::promise<std::thread::id> ran_on;
  for (int i = 0; i < 5; ++i)
    loop.post([&order, i] { order.push_back(i); });
  loop.post([&] { ran_on.set_value(std::this_thread::get_id()); });
  auto id = ran_on.get_future().get();
  CHECK_FALSE(id == std::this_thread::get_id());
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("curl_loop: post_after runs on the loop thread once its delay has passed, by due time") {
  curl_loop loop;
  std::vector<int> order;  // loop thread only
  std::promise<std::thread::id> ran_on;
  const auto set = std::chrono::steady_clock::now();
  // Set out of order: the later timer first, and a plain post that runs at once.
  loop.post_after(120, [&] {
    order.push_back(120);
    ran_on.set_value(std::this_thread::get_id());
  });
  loop.post_after(40, [&] { order.push_back(40); });
  loop.post([&] { order.push_back(0); });
  auto id = ran_on.get_future().get();
  const auto waited = std::chrono::steady_clock::now() - set;
  CHECK_FALSE(id == std::this_thread::get_id());
  CHECK(waited >= std::chrono::milliseconds(120));  // never early
  CHECK(order == std::vector<int>{0, 40, 120});
}

TEST_CASE("curl_loop: timers still pending when the loop stops are dropped, not run") {
  auto ran = std::make_shared<std::atomic<bool>>(false);
  {
    curl_loop loop;
    loop.post_after(60000, [ran] { ran->store(true); });
    std::promise<void> posted;
    loop.post([&] { posted.set_value(); });
    posted.get_future().get();
  }
  CHECK_FALSE(ran->load());
}

TEST_CASE("curl_loop on a shared io_context: a request and its upstream call run on one thread") {
  auto upstream = echo_server();
  boost::asio::io_context io(1);
  curl_loop loop(io);  // created before the thread runs `io`: work waits for it
  std::atomic<int> other_thread{0};
  http::server_options options;
  options.context = &io;
  options.threads = 4;  // not used: one thread runs a shared io_context
  auto front = http::server::start(options, [&](http::request req, http::responder reply) {
    const auto handler_thread = std::this_thread::get_id();
    curl_loop::http_call call;
    call.url = "http://" + upstream->address() + "/up";
    call.body = req.body;
    loop.submit(std::move(call), [&, handler_thread, reply](curl_loop::http_result r) {
      if (std::this_thread::get_id() != handler_thread) ++other_thread;
      http::response answer;
      answer.content_type = "text/plain";
      answer.body = r.body;
      reply(std::move(answer));
    });
  });
  REQUIRE(front.ok());
  curl_loop client;  // its own thread
  constexpr int calls = 50;
  std::vector<std::future<curl_loop::http_result>> results;
  for (int i = 0; i < calls; ++i) {
    auto p = std::make_shared<std::promise<curl_loop::http_result>>();
    results.push_back(p->get_future());
    curl_loop::http_call call;
    call.url = "http://" + front.value()->address() + "/in";
    call.body = std::to_string(i);
    client.submit(std::move(call), [p](curl_loop::http_result r) { p->set_value(r); });
  }
  for (int i = 0; i < calls; ++i) {
    auto& f = results[static_cast<std::size_t>(i)];
    REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    auto r = f.get();
    CHECK(r.status == 200);
    CHECK(r.body == "POST /up " + std::to_string(i));
  }
  CHECK(other_thread.load() == 0);
  front.value()->stop();
}

TEST_CASE("curl_loop on a shared io_context: destroyed once its thread stopped, it fails what is pending") {
  std::promise<void> arrived;
  std::vector<http::responder> parked;
  auto hanging = http::server::start({}, [&](http::request, http::responder reply) {
    parked.push_back(std::move(reply));  // never answered
    arrived.set_value();
  });
  REQUIRE(hanging.ok());
  boost::asio::io_context io(1);
  http::server_options options;
  options.context = &io;
  auto front = http::server::start(options, [](http::request, http::responder) {});
  REQUIRE(front.ok());
  std::promise<curl_loop::http_result> done;
  auto result = done.get_future();
  auto loop = std::make_unique<curl_loop>(io);
  curl_loop::http_call call;
  call.url = "http://" + hanging.value()->address() + "/hang";
  loop->submit(call, [&done](curl_loop::http_result r) { done.set_value(r); });
  REQUIRE(arrived.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  front.value()->stop();  // the thread running `io` ends
  CHECK(result.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  loop.reset();
  REQUIRE(result.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  auto r = result.get();
  CHECK(r.status == 0);
  CHECK(r.error == "curl loop stopped");
  hanging.value()->stop();
}
