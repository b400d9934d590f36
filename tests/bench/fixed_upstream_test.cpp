// The fixed upstream of the gateway bench: OpenAI-shaped answers, whole and
// streamed, keep-alive and pipelining, bounds, clients that go away.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bench/fixed_upstream.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_socket.hpp"
#include "tests/support/text.hpp"

using namespace llmopt;
using llmopt::test::raw_socket;
using nlohmann::json;

namespace {

const std::string plain_body =
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
const std::string stream_body =
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream": true})";

std::string url(const fixed_upstream& upstream) {
  return "http://127.0.0.1:" + std::to_string(upstream.port()) + "/v1/chat/completions";
}

std::string post(const std::string& body, const std::string& extra_headers = {}) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The data of each SSE event of a body, in order.
std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < body.size();) {
    auto end = body.find("\n\n", at);
    if (end == std::string::npos) break;
    auto event = body.substr(at, end - at);
    REQUIRE(event.rfind("data: ", 0) == 0);
    out.push_back(event.substr(6));
    at = end + 2;
  }
  return out;
}

}  // namespace

TEST_CASE("a plain request gets a chat.completion with the fixed answer and usage") {
  fixed_upstream upstream;
  auto r = test::http_post_json(url(upstream), plain_body);
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"] == "application/json");
  auto answer = json::parse(r.body);
  CHECK(answer["object"] == "chat.completion");
  CHECK(answer["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
  CHECK(answer["created"].is_number_integer());
  CHECK(answer["model"] == "gpt-4o-mini");
  REQUIRE(answer["choices"].size() == 1);
  CHECK(answer["choices"][0]["index"] == 0);
  CHECK(answer["choices"][0]["message"]["role"] == "assistant");
  CHECK(answer["choices"][0]["message"]["content"] == "fixed answer");
  CHECK(answer["choices"][0]["finish_reason"] == "stop");
  CHECK(answer["usage"] ==
        json{{"prompt_tokens", 10}, {"completion_tokens", 2}, {"total_tokens", 12}});
  CHECK(upstream.answered() == 1);
}

TEST_CASE("a streamed request gets paced chat.completion.chunk events, usage and [DONE]") {
  fixed_upstream upstream({5, 2000});
  auto r = test::http_post_json(url(upstream), stream_body);
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"] == "text/event-stream");
  CHECK(r.headers["transfer-encoding"] == "chunked");
  auto events = sse_data(r.body);
  REQUIRE(events.size() == 1 + 5 + 2 + 1);  // role, tokens, finish, usage, [DONE]
  CHECK(events.back() == "[DONE]");
  std::vector<json> chunks;
  for (std::size_t i = 0; i + 1 < events.size(); ++i)
    chunks.push_back(json::parse(events[i]));
  for (const auto& c : chunks) {
    CHECK(c["object"] == "chat.completion.chunk");
    CHECK(c["id"] == chunks[0]["id"]);
    CHECK(c["created"] == chunks[0]["created"]);
    CHECK(c["model"] == "gpt-4o-mini");
  }
  CHECK(chunks[0]["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  for (int i = 0; i < 5; ++i) {
    const auto& choice = chunks[1 + i]["choices"][0];
    CHECK(choice["index"] == 0);
    CHECK(choice["delta"]["content"] == "t" + std::to_string(i) + " ");
    CHECK(choice["finish_reason"].is_null());
  }
  CHECK(chunks[6]["choices"][0]["delta"] == json::object());
  CHECK(chunks[6]["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks[7]["choices"] == json::array());
  CHECK(chunks[7]["usage"] ==
        json{{"prompt_tokens", 10}, {"completion_tokens", 5}, {"total_tokens", 15}});
  CHECK(upstream.answered() == 1);
}

TEST_CASE("a request without a usable model is answered for bench-model") {
  fixed_upstream upstream;
  auto answer = json::parse(test::http_post_json(url(upstream), R"({"messages":[]})").body);
  CHECK(answer["model"] == "bench-model");
  answer = json::parse(test::http_post_json(url(upstream), R"({"model":"a\u0001"})").body);
  CHECK(answer["model"] == "a\u0001");  // escapes are echoed as written, still valid JSON
}

TEST_CASE("requests other than POST are answered 405 with an OpenAI error") {
  fixed_upstream upstream;
  auto r = test::http_get(url(upstream));
  CHECK(r.status == 405);
  CHECK(json::parse(r.body)["error"]["type"] == "invalid_request_error");
}

TEST_CASE("Expect: 100-continue is answered before the body is sent") {
  fixed_upstream upstream;
  raw_socket client(static_cast<std::uint16_t>(upstream.port()));
  REQUIRE(
      client.send_all("POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                      std::to_string(plain_body.size()) + "\r\n\r\n"));
  CHECK(client.read_until("\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE(client.send_all(plain_body));
  auto answer = client.read_until("fixed answer");
  CHECK(answer.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("pipelined requests are answered in order, a stream before the next answer") {
  fixed_upstream upstream({3, 1000});
  raw_socket client(static_cast<std::uint16_t>(upstream.port()));
  REQUIRE(client.send_all(post(stream_body) + post(plain_body) + post(stream_body)));
  std::string bytes;
  while (test::occurrences(bytes, "[DONE]") < 2) {
    auto more = client.read_until("[DONE]");
    if (more.empty()) break;
    bytes += more;
  }
  CHECK(test::occurrences(bytes, "HTTP/1.1 200 OK") == 3);
  auto first_done = bytes.find("[DONE]");
  auto plain = bytes.find("fixed answer");
  CHECK(first_done < plain);
  CHECK(plain < bytes.find("[DONE]", first_done + 1));
  CHECK(bytes.find("\"t2 \"", plain) != std::string::npos);
}

TEST_CASE("a request written a few bytes at a time is answered") {
  fixed_upstream upstream;
  raw_socket client(static_cast<std::uint16_t>(upstream.port()));
  auto request = post(plain_body);
  for (std::size_t at = 0; at < request.size(); at += 7)
    REQUIRE(client.send_all(request.substr(at, 7)));
  CHECK(client.read_until("fixed answer").find("fixed answer") != std::string::npos);
}

TEST_CASE("a head over 64 KiB or a body over 1 MiB closes the connection") {
  fixed_upstream upstream;
  SECTION("head") {
    raw_socket client(static_cast<std::uint16_t>(upstream.port()));
    client.send_all("POST / HTTP/1.1\r\nX-Big: " + std::string(70 * 1024, 'a'));
    CHECK(client.closed_by_peer());
  }
  SECTION("body") {
    raw_socket client(static_cast<std::uint16_t>(upstream.port()));
    client.send_all("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n{");
    CHECK(client.closed_by_peer());
  }
  SECTION("not HTTP") {
    raw_socket client(static_cast<std::uint16_t>(upstream.port()));
    client.send_all("hello there\r\n\r\n");
    CHECK(client.closed_by_peer());
  }
  CHECK(upstream.answered() == 0);
}

TEST_CASE("Connection: close is honoured after the answer") {
  fixed_upstream upstream;
  raw_socket client(static_cast<std::uint16_t>(upstream.port()));
  REQUIRE(client.send_all(post(plain_body, "Connection: close\r\n")));
  auto bytes = client.read_until_close();
  CHECK(bytes.find("fixed answer") != std::string::npos);
}

TEST_CASE("a client that goes away mid-stream leaves the upstream serving others") {
  fixed_upstream upstream({20, 2000});
  for (int i = 0; i < 20; ++i) {
    raw_socket client(static_cast<std::uint16_t>(upstream.port()));
    REQUIRE(client.send_all(post(stream_body)));
    REQUIRE(client.read_until("\"t1 \"").find("\"t1 \"") != std::string::npos);
    client.close(i % 2 == 0);  // half reset, half closed
  }
  auto r = test::http_post_json(url(upstream), stream_body);
  REQUIRE(r.status == 200);
  CHECK(test::occurrences(r.body, "\"content\":\"t") == 20);
  CHECK(r.body.find("data: [DONE]") != std::string::npos);
  CHECK(upstream.answered() == 1);
  CHECK(test::http_post_json(url(upstream), plain_body).status == 200);
  CHECK(upstream.answered() == 2);
}

TEST_CASE("the upstream's CPU time is its thread's and grows with work") {
  fixed_upstream upstream;
  auto before = upstream.cpu_seconds();
  for (int i = 0; i < 50; ++i)
    REQUIRE(test::http_post_json(url(upstream), plain_body).status == 200);
  CHECK(upstream.cpu_seconds() > before);
}
