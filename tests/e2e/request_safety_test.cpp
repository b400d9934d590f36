// Issue 13, part 1: no request can take the daemon down. Bounds come before
// anything recursive runs; a bad request is a 400 naming the parameter, and
// every other client is still served.

#include <catch2/catch.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

namespace {

nlohmann::json error_of(const http_response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  REQUIRE(j.contains("error"));
  return j["error"];
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

}  // namespace

TEST_CASE("a request nested 100,000 deep is a 400 naming the parameter, and serve lives on") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  const std::string url = d.url() + "/v1/chat/completions";

  // The request that killed `llmopt serve`: content as an array nested
  // 100,000 deep, about 200 KB.
  auto deep = http_post_json(
      url, R"({"model":"chat","messages":[{"role":"user","content":)" + nested(100000) + "}]}");
  REQUIRE(deep.status == 400);
  CHECK(error_of(deep)["param"] == "messages");
  CHECK(error_of(deep)["code"] == "too_deep");
  CHECK(error_of(deep)["type"] == "invalid_request_error");

  // Deep elsewhere: in a tool's parameters, and in an unknown field.
  auto tools = http_post_json(url, R"({"model":"chat","messages":[{"role":"user","content":"x"}],)"
                                   R"("tools":[{"type":"function","function":{"name":"f",)"
                                   R"("parameters":)" +
                                       nested(5000) + "}}]}");
  REQUIRE(tools.status == 400);
  CHECK(error_of(tools)["param"] == "tools");
  auto extra = http_post_json(
      url, R"({"model":"chat","messages":[{"role":"user","content":"x"}],"x":)" + nested(70) + "}");
  REQUIRE(extra.status == 400);
  CHECK(error_of(extra)["param"] == "x");

  // The same through the Anthropic endpoint, in Anthropic's error shape.
  auto messages = http_post_json(d.url() + "/v1/messages",
                                 R"({"model":"chat","max_tokens":5,"messages":[{"role":"user",)"
                                 R"("content":)" +
                                     nested(100000) + "}]}");
  REQUIRE(messages.status == 400);
  auto body = nlohmann::json::parse(messages.body);
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == "invalid_request_error");
  CHECK(body["error"]["message"].get<std::string>().find("messages") != std::string::npos);

  // Invalid UTF-8, a body over the limit, a wrong type deep in a message.
  CHECK(http_post_json(url,
                       "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":"
                       "\"\xff\"}]}")
            .status == 400);
  auto big = http_post_json(url, std::string(11 << 20, ' '));
  CHECK(big.status == 413);
  auto typed = http_post_json(
      url, R"({"model":"chat","messages":[{"role":"user","content":[{"type":"image_url",)"
           R"("image_url":{"url":7}}]}]})");
  REQUIRE(typed.status == 400);
  CHECK(error_of(typed)["param"] == "messages[0].content[0].image_url.url");

  // The daemon is alive and serving.
  auto ok = d.chat("chat");
  CHECK(ok.status == 200);
  CHECK(d.process().wait(std::chrono::milliseconds(0)) == std::nullopt);
}
