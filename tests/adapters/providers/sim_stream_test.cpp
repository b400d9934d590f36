// The simulator's streams: their pace (measured, never slept for) and a
// client that does not read (backpressure).

#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/adapters/providers/sim_fixture.hpp"
#include "tests/support/raw_socket.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

const json ask = {
    {"model", "m"}, {"stream", true}, {"messages", {{{"role", "user"}, {"content", "hello"}}}}};

capture stream_of(const provider_sim& sim) {
  auto c = post(sim.base_url() + "/chat/completions", ask.dump());
  INFO(c.result.error << " " << c.body);
  REQUIRE(c.result.status == 200);
  return c;
}

// The gaps between the pieces that arrived, sorted.
std::vector<double> gaps_of(const capture& c) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < c.pieces.size(); ++i)
    gaps.push_back(c.pieces[i].first - c.pieces[i - 1].first);
  std::sort(gaps.begin(), gaps.end());
  return gaps;
}

}  // namespace

TEST_CASE("stream pace: first token at 20% of the latency, the last at the latency") {
  // median == p95: the drawn latency is exactly 300 ms. 11 tokens: the first
  // at 60 ms, then one every 24 ms.
  auto sim = start({fixed_model("openai:m", 300, 11)});
  auto c = stream_of(*sim);
  INFO("first " << c.first_ms() << " ms, last " << c.last_ms() << " ms, " << c.pieces.size()
                << " pieces");
  CHECK(c.first_ms() >= 59);
  CHECK(c.first_ms() < 60 + 150);
  CHECK(c.last_ms() >= 299);
  CHECK(c.last_ms() < 300 + 300);
  REQUIRE(c.pieces.size() >= 6);  // pieces sent apart arrive apart
  const auto gaps = gaps_of(c);
  CHECK(gaps[gaps.size() / 2] >= 12);
  CHECK(gaps[gaps.size() / 2] < 24 + 60);
  CHECK(sse_events(c.body).back().data == "[DONE]");
}

TEST_CASE("stream pace: ttft_ms and tokens_per_s replace the defaults") {
  auto m = fixed_model("openai:m", 2000, 6);
  m.ttft_ms = 100;
  m.tokens_per_s = 50;  // a token every 20 ms: the last at 100 + 5 * 20 ms
  auto sim = start({m});
  auto c = stream_of(*sim);
  INFO("first " << c.first_ms() << " ms, last " << c.last_ms() << " ms");
  CHECK(c.first_ms() >= 99);
  CHECK(c.first_ms() < 100 + 150);
  CHECK(c.last_ms() >= 199);
  CHECK(c.last_ms() < 200 + 300);  // not the 2 s latency a plain answer takes
}

TEST_CASE("stream pace: tokens_per_s 0 sends as fast as the client reads") {
  auto m = fixed_model("openai:m", 5000, 3000);
  m.ttft_ms = 0;
  m.tokens_per_s = 0;
  auto sim = start({m});
  auto c = stream_of(*sim);
  INFO("last " << c.last_ms() << " ms");
  CHECK(c.last_ms() < 2500);  // the default pace would take the 5 s latency
  CHECK(sse_events(c.body).size() == 1 + 3000 + 1 + 1);
}

TEST_CASE(
    "stream backpressure: a client that does not read holds the stream back, losing nothing") {
  auto m = fixed_model("ollama:m", 1, 40000);  // ~4 MB of NDJSON, unpaced
  m.ttft_ms = 0;
  m.tokens_per_s = 0;
  auto sim = start({m});
  const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
  // HTTP/1.0: the body comes unframed, ended by the close.
  test::raw_socket client(sim->port(), std::chrono::seconds(20), 4096);
  REQUIRE(client.send_all("POST /api/chat HTTP/1.0\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body));
  auto held = stats(*sim, "until_held_back=1&timeout_ms=10000");
  CHECK_FALSE(held.contains("timed_out"));
  CHECK(held["held_back"] == 1);
  CHECK(held["open"] == 1);

  const auto text = client.read_until_close();
  const auto lines = ndjson_lines(text.substr(text.find("\r\n\r\n") + 4));
  REQUIRE(lines.size() == 40000 + 1);
  CHECK(lines[39999]["message"]["content"].is_string());
  CHECK(lines.back()["done"] == true);
  CHECK(lines.back()["eval_count"] == 40000);
  auto after = stats(*sim, "until_open=0");
  CHECK(after["held_back"] == 1);  // one stream, however often it waited
  CHECK(after["abandoned"] == 0);
}
