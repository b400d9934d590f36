// The open-loop load generator of the gateway bench: against the fixed
// upstream every request is counted ok; against servers that misbehave,
// every request is counted where it belongs, and nothing crashes.

#include <catch2/catch.hpp>

#include <algorithm>

#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/fixed_upstream.hpp"
#include "bench/open_loop_load.hpp"
#include "tests/bench/scripted_server.hpp"

using namespace llmopt;
using test::scripted_server;

namespace {

const std::string plain_body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
const std::string stream_body =
    R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true})";

open_loop_options load(int port, double rps, double seconds, bool stream, int tokens = 0) {
  open_loop_options o;
  o.port = port;
  o.rps = rps;
  o.seconds = seconds;
  o.stream = stream;
  o.expect_tokens = tokens;
  o.body = stream ? stream_body : plain_body;
  o.drain_seconds = 5;
  return o;
}

unsigned long long accounted(const open_loop_result& r) {
  return r.ok + r.http_errors + r.failed + r.streams_bad;
}

// -- scripted answers ----------------------------------------------------------

std::string chunk(const std::string& data) {
  std::ostringstream size;
  size << std::hex << data.size();
  return size.str() + "\r\n" + data + "\r\n";
}

std::string piece_event(const std::string& content) {
  return "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
         "{\"content\":\"" +
         content + "\"},\"finish_reason\":null}]}\n\n";
}

const std::string stream_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

// A whole chunked stream of the given pieces, with [DONE] or without.
std::string stream_of(const std::vector<std::string>& pieces, bool done = true) {
  std::string out = stream_head + chunk(piece_event(""));
  for (const auto& p : pieces)
    out += chunk(piece_event(p));
  if (done) out += chunk("data: [DONE]\n\n");
  return out + "0\r\n\r\n";
}

open_loop_result run_against(const std::function<scripted_server::answer(int)>& script, bool stream,
                             double drain_seconds = 5) {
  scripted_server server(script);
  auto o = load(server.port(), 10, 0.3, stream, 3);
  o.drain_seconds = drain_seconds;
  return run_open_loop(o);
}

}  // namespace

// -- against the fixed upstream ------------------------------------------------

TEST_CASE("at 500 rps for 1 s every request is sent and answered ok") {
  fixed_upstream upstream;
  auto r = run_open_loop(load(upstream.port(), 500, 1, false));
  CHECK(r.due == 500);
  CHECK(r.sent == 500);
  CHECK(r.ok == 500);
  CHECK(r.http_errors == 0);
  CHECK(r.failed == 0);
  CHECK(r.streams_bad == 0);
  CHECK(r.latency_us.size() == 500);
  CHECK(r.ttft_us.empty());
  CHECK(upstream.answered() == 500);
  CHECK(r.connections_opened >= 1);
}

TEST_CASE("streams at 100 rps for 1 s are all ok, with a first-piece time and every gap") {
  fixed_upstream upstream({5, 2000});
  auto r = run_open_loop(load(upstream.port(), 100, 1, true, 5));
  CHECK(r.due == 100);
  CHECK(r.sent == 100);
  CHECK(r.ok == 100);
  CHECK(r.streams_bad == 0);
  CHECK(r.failed == 0);
  CHECK(r.latency_us.size() == 100);
  CHECK(r.ttft_us.size() == 100);
  CHECK(r.gap_us.size() == 400);
  CHECK(upstream.answered() == 100);
}

TEST_CASE("past max_connections requests wait in a queue and are all answered") {
  fixed_upstream upstream({5, 2000});
  auto o = load(upstream.port(), 200, 0.5, true, 5);
  o.max_connections = 2;
  auto r = run_open_loop(o);
  CHECK(r.connections_opened <= 2);
  CHECK(r.ok == 100);
  CHECK(r.streams_bad == 0);
  CHECK(r.gap_us.size() == 400);
}

TEST_CASE("a stream with other pieces than expected counts in streams_bad") {
  fixed_upstream upstream({4, 0});
  auto r = run_open_loop(load(upstream.port(), 20, 0.5, true, 5));  // one piece short
  CHECK(r.due == 10);
  CHECK(r.streams_bad == 10);
  CHECK(r.ok == 0);
  CHECK(r.latency_us.empty());
  CHECK(r.ttft_us.empty());
}

// -- against servers that misbehave --------------------------------------------

TEST_CASE("nothing listening: every request failed") {
  auto r = run_open_loop(load(test::unused_port(), 10, 0.3, false));
  CHECK(r.due == 3);
  CHECK(r.failed == 3);
  CHECK(r.sent == 0);
}

TEST_CASE("a stream missing a piece counts in streams_bad") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{stream_of({"t0 ", "t2 "})};
      },
      true);
  CHECK(r.due == 3);
  CHECK(r.streams_bad == 3);
  CHECK(r.failed == 0);
}

TEST_CASE("a stream with its pieces out of order counts in streams_bad") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{stream_of({"t0 ", "t2 ", "t1 "})};
      },
      true);
  CHECK(r.streams_bad == 3);
}

TEST_CASE("a stream without [DONE] counts in streams_bad") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{stream_of({"t0 ", "t1 ", "t2 "}, false)};
      },
      true);
  CHECK(r.streams_bad == 3);
  CHECK(r.ok == 0);
}

TEST_CASE("a right stream from the scripted server is ok: the checks are not too strict") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{stream_of({"t0 ", "t1 ", "t2 "})};
      },
      true);
  CHECK(r.ok == 3);
  CHECK(r.gap_us.size() == 6);
}

TEST_CASE("a stream cut before its end counts as failed") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{stream_head + chunk(piece_event("t0 ")), true};
      },
      true);
  CHECK(r.failed == 3);
  CHECK(r.streams_bad == 0);
}

TEST_CASE("garbage instead of an answer counts as failed") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{"NOT HTTP AT ALL\r\n\r\n", true};
      },
      false);
  CHECK(r.failed == 3);
}

TEST_CASE("a head over 64 KiB counts as failed") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{"HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'a') +
                                       "\r\n\r\n"};
      },
      false);
  CHECK(r.failed == 3);
}

TEST_CASE("a body over 8 MiB counts as failed") {
  SECTION("announced") {
    auto r = run_against(
        [](int) {
          return scripted_server::answer{"HTTP/1.1 200 OK\r\nContent-Length: 9000000\r\n\r\n"};
        },
        false);
    CHECK(r.failed == 3);
  }
  SECTION("chunked") {
    auto r = run_against(
        [](int) { return scripted_server::answer{stream_head + chunk(std::string(9 << 20, 'x'))}; },
        true);
    CHECK(r.failed == 3);
  }
}

TEST_CASE("an error status counts in http_errors, and the connection is reused") {
  auto r = run_against(
      [](int) {
        return scripted_server::answer{
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}"};
      },
      false);
  CHECK(r.http_errors == 3);
  CHECK(r.connections_opened == 1);
}

TEST_CASE("a server that never answers: failed at the end of the drain") {
  auto r = run_against([](int) { return scripted_server::answer{"", false, true}; }, false, 0.2);
  CHECK(r.due == 3);
  CHECK(r.sent == 3);
  CHECK(r.failed == 3);
}

TEST_CASE("random bytes from a server are counted, never a crash") {
  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    auto seed = random();
    auto r = run_against(
        [seed](int request) {
          std::mt19937 bytes(seed + static_cast<unsigned>(request));
          std::string answer = request % 2 ? stream_head : "HTTP/1.1 200 OK\r\n";
          auto size = bytes() % 3000;
          for (unsigned i = 0; i < size; ++i)
            answer += static_cast<char>(bytes() % 4 == 0 ? "\r\n0:"[bytes() % 4] : bytes());
          return scripted_server::answer{answer, true};
        },
        true, 1);
    CHECK(r.due == 3);
    CHECK(accounted(r) == r.due);
  }
}

TEST_CASE("every due request is accounted for exactly once") {
  fixed_upstream upstream({3, 1000});
  auto r = run_open_loop(load(upstream.port(), 300, 0.5, true, 3));
  CHECK(accounted(r) == r.due);
  CHECK(r.ok == r.latency_us.size());
}

TEST_CASE("vary gives every request its own body of the same length") {
  const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
  scripted_server server([&](int) { return scripted_server::answer{answer}; });
  open_loop_options o;
  o.port = server.port();
  o.body = R"({"n":"0000","x":"0000"})";
  o.vary = "0000";
  o.rps = 200;
  o.seconds = 0.06;  // 12 requests
  auto r = run_open_loop(o);
  CHECK(r.ok == 12);
  auto bodies = server.bodies();
  REQUIRE(bodies.size() == 12);
  std::sort(bodies.begin(), bodies.end());
  // The last occurrence is the one replaced; each number once.
  CHECK(bodies.front() == R"({"n":"0000","x":"0000"})");
  CHECK(bodies[1] == R"({"n":"0000","x":"0001"})");
  CHECK(bodies.back() == R"({"n":"0000","x":"0011"})");
  CHECK(std::adjacent_find(bodies.begin(), bodies.end()) == bodies.end());
}
