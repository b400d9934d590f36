#include <curl/curl.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/http/server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_socket.hpp"

using namespace llmopt;

namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// One client thread: `requests` GETs over one reused curl handle, so over one
// keep-alive connection. Returns how many succeeded with the expected body and
// how many connections curl opened.
struct client_tally {
  int ok = 0;
  long connects = 0;
};

client_tally keep_alive_client(const std::string& base, int client, int requests) {
  client_tally t;
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  for (int i = 0; i < requests; ++i) {
    const std::string path = "/c" + std::to_string(client) + "/r" + std::to_string(i);
    const std::string u = base + path;
    body.clear();
    curl_easy_setopt(curl, CURLOPT_URL, u.c_str());
    long status = 0, connects = 0;
    if (curl_easy_perform(curl) != CURLE_OK) continue;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
    t.connects += connects;
    if (status == 200 && body == path) ++t.ok;
  }
  curl_easy_cleanup(curl);
  return t;
}

}  // namespace

TEST_CASE("many concurrent keep-alive clients are all served") {
  http::server_options o;
  o.threads = 2;
  auto started = http::server::start(o, [](http::request req, http::responder reply) {
    http::response r;
    r.content_type = "text/plain";
    r.body = req.path;
    reply(std::move(r));
  });
  REQUIRE(started.ok());
  auto& s = *started.value();
  constexpr int clients = 8, per_client = 50;
  std::vector<std::future<client_tally>> futures;
  for (int c = 0; c < clients; ++c)
    futures.push_back(
        std::async(std::launch::async, keep_alive_client, "http://" + s.address(), c, per_client));
  int ok = 0;
  long connects = 0;
  for (auto& f : futures) {
    auto t = f.get();
    ok += t.ok;
    connects += t.connects;
  }
  CHECK(ok == clients * per_client);
  CHECK(connects == clients);  // one connection per client, reused
}

TEST_CASE("stop() with open connections closes them and orphans pending responders") {
  std::promise<http::responder> parked;
  auto parked_future = parked.get_future();
  auto started = http::server::start(
      {}, [&](http::request, http::responder reply) { parked.set_value(std::move(reply)); });
  REQUIRE(started.ok());
  auto s = std::move(started.value());

  llmopt::test::raw_socket idle(s->port());
  REQUIRE(idle.connected());
  auto waiting = std::async(std::launch::async, [url = "http://" + s->address() + "/"] {
    return llmopt::test::http_get(url, 10000);
  });
  REQUIRE(parked_future.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto reply = parked_future.get();

  s->stop();
  s->stop();  // idempotent
  CHECK(idle.closed_by_peer());
  auto r = waiting.get();
  CHECK(r.status == 0);     // the connection closed without an answer
  reply(http::response{});  // harmless after stop()
  s->post_after(std::chrono::milliseconds(0), [] { FAIL("ran after stop"); });
  s.reset();
  reply(http::response{});  // harmless after the server is gone
}

TEST_CASE("a connection idle longer than idle_timeout is closed") {
  http::server_options o;
  o.idle_timeout = std::chrono::milliseconds(100);
  auto started = http::server::start(o, [](http::request, http::responder reply) { reply({}); });
  REQUIRE(started.ok());
  llmopt::test::raw_socket idle(started.value()->port());
  REQUIRE(idle.connected());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(idle.closed_by_peer());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
}

TEST_CASE("Expect: 100-continue is honoured without the client's fallback wait") {
  auto started = http::server::start({}, [](http::request req, http::responder reply) {
    http::response r;
    r.body = std::to_string(req.body.size());
    reply(r);
  });
  REQUIRE(started.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = llmopt::test::http_request("POST", "http://" + started.value()->address() + "/",
                                      std::string(2000, 'x'), {"Expect: 100-continue"});
  CHECK(r.status == 200);
  CHECK(r.body == "2000");
  // curl waits 1 s for "100 Continue" before sending the body anyway.
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(900));
}
