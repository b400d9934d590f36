#include <catch2/catch.hpp>

#include "adapters/providers/anthropic_wire.hpp"
#include "tests/adapters/providers/wire_fixtures.hpp"

using namespace llmopt;
using json = nlohmann::json;

namespace {

const wire::reply_context context{"claude-x", "chatcmpl-ctx", 1700000000};

json translated_body(const json& openai) {
  auto request = check_chat_request(openai);
  REQUIRE(request.ok());
  auto native = wire::anthropic_request(*request, "claude-x");
  INFO((native.ok() ? std::string() : native.err().detail));
  REQUIRE(native.ok());
  return json::parse(native->body);
}

error refusal_of(const json& openai) {
  auto request = check_chat_request(openai);
  REQUIRE(request.ok());
  auto native = wire::anthropic_request(*request, "claude-x");
  REQUIRE_FALSE(native.ok());
  return native.err();
}

json with_user(const std::string& text, json extra = json::object()) {
  json body = {{"model", "chat"}, {"messages", {{{"role", "user"}, {"content", text}}}}};
  body.update(extra);
  return body;
}

std::string event(const std::string& name, const json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

const std::string message_start = event(
    "message_start",
    {{"type", "message_start"},
     {"message", {{"id", "msg_1"}, {"model", "claude-x"}, {"usage", {{"input_tokens", 5}}}}}});

const std::string text_block_start =
    event("content_block_start", {{"type", "content_block_start"},
                                  {"index", 0},
                                  {"content_block", {{"type", "text"}, {"text", ""}}}});

struct stream_result {
  std::vector<json> chunks;
  status end = ok_status();
};

// Feeds `text` whole, then finishes unless feeding failed.
stream_result run_stream(const std::string& text) {
  stream_result out;
  auto decoder = wire::anthropic_stream_decoder(context);
  out.end = decoder->feed(text, out.chunks);
  if (out.end) out.end = decoder->finish(out.chunks);
  return out;
}

}  // namespace

TEST_CASE("anthropic wire format: golden fixtures") {
  test::run_wire_fixtures("anthropic", 16);
}

TEST_CASE("anthropic wire format: a request without stream does not ask for one") {
  auto body = translated_body(with_user("Hi"));
  CHECK_FALSE(body.contains("stream"));
  CHECK_FALSE(body.contains("metadata"));
  CHECK_FALSE(body.contains("system"));
}

TEST_CASE("anthropic wire format: temperature 1 is Anthropic's upper bound and is kept") {
  CHECK(translated_body(with_user("Hi", {{"temperature", 1}}))["temperature"] == 1);
  CHECK(refusal_of(with_user("Hi", {{"temperature", 1.01}})).field == "temperature");
}

TEST_CASE("anthropic wire format: prompt_cache_key and safety_identifier are dropped, reported") {
  auto request = check_chat_request(
      with_user("Hi", {{"prompt_cache_key", "k1"}, {"safety_identifier", "u-hash"}}));
  REQUIRE(request.ok());
  auto native = wire::anthropic_request(*request, "claude-x");
  REQUIRE(native.ok());
  CHECK(native->dropped == std::vector<std::string>{"prompt_cache_key", "safety_identifier"});
  CHECK_FALSE(json::parse(native->body).contains("prompt_cache_key"));
}

TEST_CASE("anthropic wire format: an unknown parameter sent as null asks nothing") {
  auto body = translated_body(with_user("Hi", {{"modalities", nullptr}, {"stop", nullptr}}));
  CHECK_FALSE(body.contains("modalities"));
  CHECK_FALSE(body.contains("stop_sequences"));
}

TEST_CASE("anthropic wire format: tool_choice without tools") {
  SECTION("auto and none ask nothing and are left out") {
    CHECK_FALSE(
        translated_body(with_user("Hi", {{"tool_choice", "auto"}})).contains("tool_choice"));
    CHECK_FALSE(
        translated_body(with_user("Hi", {{"tool_choice", "none"}, {"tools", json::array()}}))
            .contains("tool_choice"));
  }
  SECTION("required is still sent, for the upstream to refuse as OpenAI would") {
    CHECK(translated_body(with_user("Hi", {{"tool_choice", "required"}}))["tool_choice"] ==
          json{{"type", "any"}});
  }
  SECTION("parallel_tool_calls false asks nothing") {
    CHECK_FALSE(
        translated_body(with_user("Hi", {{"parallel_tool_calls", false}})).contains("tool_choice"));
  }
}

TEST_CASE("anthropic wire format: images the Messages API cannot take are refused") {
  auto image = [](const std::string& url) {
    return json{{"model", "chat"},
                {"messages",
                 {{{"role", "user"},
                   {"content", {{{"type", "image_url"}, {"image_url", {{"url", url}}}}}}}}}};
  };
  const std::string field = "messages[0].content[0].image_url.url";
  CHECK(refusal_of(image("data:image/png,rawbytes")).field == field);  // not base64
  CHECK(refusal_of(image("data:image/png;base64")).field == field);    // no comma
  CHECK(refusal_of(image("ftp://example.com/a.png")).field == field);
  CHECK(refusal_of(image("data:;base64,AAAA")).field == field);
  // MIME types are case-insensitive: IMAGE/JPEG is jpeg.
  auto body = translated_body(image("data:IMAGE/JPEG;base64,/9j/"));
  CHECK(body["messages"][0]["content"][0]["source"]["media_type"] == "image/jpeg");
}

TEST_CASE("anthropic wire format: what the assistant said, refusals included, stays its text") {
  auto body = translated_body(
      {{"model", "chat"},
       {"messages",
        {{{"role", "user"}, {"content", "Help me"}},
         {{"role", "assistant"},
          {"content", {{{"type", "refusal"}, {"refusal", "I can't help with that."}}}}},
         {{"role", "user"}, {"content", "Why not?"}}}}});
  CHECK(body["messages"][1] ==
        json{{"role", "assistant"},
             {"content", {{{"type", "text"}, {"text", "I can't help with that."}}}}});
}

TEST_CASE("anthropic wire format: a named system message is refused, not stripped") {
  auto err = refusal_of({{"model", "chat"},
                         {"messages",
                          {{{"role", "system"}, {"name", "ops"}, {"content", "Be kind"}},
                           {{"role", "user"}, {"content", "Hi"}}}}});
  CHECK(err.code == "unsupported");
  CHECK(err.field == "messages[0].name");
}

TEST_CASE("anthropic wire format: a json_schema without its schema is refused") {
  auto err = refusal_of(with_user(
      "Hi", {{"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "x"}}}}}}));
  CHECK(err.field == "response_format.json_schema.schema");
}

TEST_CASE("anthropic wire format: every malformed Message is bad_reply, never a crash") {
  const std::vector<std::string> bodies = {
      "[]",
      "\"message\"",
      R"({"type":"message","stop_reason":"end_turn"})",
      R"({"content":{"type":"text","text":"hi"},"stop_reason":"end_turn"})",
      R"({"content":[],"stop_reason":null})",
      R"({"content":[],"stop_reason":7})",
      R"({"content":[42],"stop_reason":"end_turn"})",
      R"({"content":[{"text":"hi"}],"stop_reason":"end_turn"})",
      R"({"content":[{"type":"text","text":null}],"stop_reason":"end_turn"})",
      R"({"content":[{"type":"tool_use","name":"f","input":{}}],"stop_reason":"tool_use"})",
      R"({"content":[{"type":"tool_use","id":"t","name":3,"input":{}}],"stop_reason":"tool_use"})",
      R"({"content":[{"type":"tool_use","id":"t","name":"f"}],"stop_reason":"tool_use"})",
  };
  for (const auto& body : bodies) {
    INFO(body);
    auto reply = wire::anthropic_reply(body, context);
    REQUIRE_FALSE(reply.ok());
    CHECK(reply.err().code == "bad_reply");
  }
}

TEST_CASE("anthropic wire format: usage counts that are not counts are not believed") {
  auto reply = wire::anthropic_reply(
      R"({"id":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"pause_turn",
          "usage":{"input_tokens":-5,"cache_read_input_tokens":null,
                   "cache_creation_input_tokens":"9","output_tokens":1e30}})",
      context);
  REQUIRE(reply.ok());
  CHECK(reply->usage.reported);
  CHECK(reply->usage.input_tokens == 0);
  CHECK(reply->usage.output_tokens == 0);
  CHECK(reply->body["choices"][0]["finish_reason"] == "stop");  // pause_turn
}

TEST_CASE("anthropic wire format: a Message without usage reports none") {
  auto reply = wire::anthropic_reply(
      R"({"content":[{"type":"text","text":"ok"}],"stop_reason":"a_reason_added_later"})", context);
  REQUIRE(reply.ok());
  CHECK_FALSE(reply->usage.reported);
  CHECK_FALSE(reply->body.contains("usage"));
  CHECK(reply->body["id"] == "chatcmpl-ctx");
  CHECK(reply->body["model"] == "claude-x");
  CHECK(reply->body["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("anthropic wire format: a stream's error event carries the upstream's message") {
  auto run = run_stream(
      message_start +
      event("error", {{"type", "error"},
                      {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}}));
  REQUIRE_FALSE(run.end.ok());
  CHECK(run.end.err().code == "upstream_error");
  CHECK(run.end.err().detail == "Overloaded");
}

TEST_CASE("anthropic wire format: an error event whose data is not JSON is still an error") {
  auto run = run_stream("event: error\ndata: upstream exploded\n\n");
  REQUIRE_FALSE(run.end.ok());
  CHECK(run.end.err().code == "upstream_error");
  CHECK(run.chunks.empty());
}

TEST_CASE("anthropic wire format: a stream closed before message_stop is cut") {
  SECTION("nothing at all") {
    auto run = run_stream("");
    CHECK(run.end.err().code == "cut");
  }
  SECTION("after message_delta, which is not the end") {
    auto run =
        run_stream(message_start + event("message_delta", {{"type", "message_delta"},
                                                           {"delta", {{"stop_reason", "end_turn"}}},
                                                           {"usage", {{"output_tokens", 3}}}}));
    CHECK(run.end.err().code == "cut");
    CHECK(run.chunks.size() == 1);  // the role chunk: no finish_reason was sent
  }
}

TEST_CASE("anthropic wire format: events out of the documented order are bad_reply") {
  const json text_delta = {{"type", "content_block_delta"},
                           {"index", 0},
                           {"delta", {{"type", "text_delta"}, {"text", "hi"}}}};
  const std::vector<std::string> streams = {
      "data: [1,2]\n\n",
      event("content_block_delta", text_delta),  // before message_start
      message_start + message_start,
      event("message_start", {{"type", "message_start"}}),
      message_start + event("content_block_delta", text_delta),  // no block open
      message_start + text_block_start +
          event("content_block_delta", {{"type", "content_block_delta"},
                                        {"index", 1},
                                        {"delta", {{"type", "text_delta"}, {"text", "x"}}}}),
      message_start + text_block_start +
          event("content_block_delta",
                {{"type", "content_block_delta"},
                 {"index", 0},
                 {"delta", {{"type", "input_json_delta"}, {"partial_json", "{"}}}}),
      message_start + text_block_start +
          event(
              "content_block_delta",
              {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}}}}),
      message_start +
          event("content_block_start", {{"type", "content_block_start"},
                                        {"index", 0},
                                        {"content_block", {{"type", "tool_use"}, {"name", "f"}}}}),
      message_start + event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}),
  };
  for (const auto& text : streams) {
    INFO(text);
    auto run = run_stream(text);
    REQUIRE_FALSE(run.end.ok());
    CHECK(run.end.err().code == "bad_reply");
  }
}

TEST_CASE("anthropic wire format: deltas of a block llmopt leaves out are ignored") {
  // A server tool's block streams its input like a tool_use; it is not a tool call of the
  // client's, so it makes no chunk, and the next tool_use is still tool call 0.
  auto run = run_stream(
      message_start +
      event("content_block_start",
            {{"type", "content_block_start"},
             {"index", 0},
             {"content_block", {{"type", "server_tool_use"}, {"id", "srv"}, {"name", "web"}}}}) +
      event("content_block_delta",
            {{"type", "content_block_delta"},
             {"index", 0},
             {"delta", {{"type", "input_json_delta"}, {"partial_json", "{"}}}}) +
      event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}) +
      event("content_block_start",
            {{"type", "content_block_start"},
             {"index", 1},
             {"content_block", {{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "f"}}}}) +
      event("content_block_stop", {{"type", "content_block_stop"}, {"index", 1}}) +
      event("message_stop", {{"type", "message_stop"}}));
  INFO(json(run.chunks).dump());
  REQUIRE(run.end.ok());
  REQUIRE(run.chunks.size() == 5);  // role, tool call 0, its arguments, finish, usage
  CHECK(run.chunks[1]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0);
  CHECK(run.chunks[1]["choices"][0]["delta"]["tool_calls"][0]["id"] == "toolu_1");
  CHECK(run.chunks[2]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == "{}");
}

TEST_CASE("anthropic wire format: a failed stream takes nothing more") {
  auto decoder = wire::anthropic_stream_decoder(context);
  std::vector<json> chunks;
  REQUIRE_FALSE(decoder->feed("data: not json\n\n", chunks).ok());
  CHECK_FALSE(decoder->feed(message_start, chunks).ok());
  CHECK_FALSE(decoder->finish(chunks).ok());
  CHECK(chunks.empty());
}

TEST_CASE("anthropic wire format: nothing after message_stop counts") {
  auto run = run_stream(message_start + event("message_stop", {{"type", "message_stop"}}) +
                        text_block_start + "data: not json\n\n" + "event: error\ndata: {}\n\n");
  REQUIRE(run.end.ok());
  REQUIRE(run.chunks.size() == 3);  // role, finish, usage
  CHECK(run.chunks[1]["choices"][0]["finish_reason"] == "stop");
  CHECK(run.chunks[2]["usage"]["prompt_tokens"] == 5);
}

TEST_CASE("anthropic wire format: a stream event over 4 MiB is refused") {
  auto decoder = wire::anthropic_stream_decoder(context);
  std::vector<json> chunks;
  auto st = decoder->feed("data: \"" + std::string(5u << 20, 'a'), chunks);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == "too_large");
}

TEST_CASE("anthropic wire format: an unknown parameter is named in a detail of bounded length") {
  const std::string key(100000, 'k');
  error refused = refusal_of(with_user("Hi", {{key, 1}}));
  CHECK(refused.field == key);
  CHECK(refused.detail.size() < 200);
}
