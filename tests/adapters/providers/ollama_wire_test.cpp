#include <catch2/catch.hpp>

#include "adapters/providers/ollama_wire.hpp"
#include "tests/adapters/providers/wire_fixtures.hpp"

using namespace llmopt;
using json = nlohmann::json;

namespace {

const wire::reply_context ctx{"llama3.2", "chatcmpl-x", 1700000000};

chat_request checked(json body) {
  auto request = check_chat_request(std::move(body));
  INFO((request.ok() ? std::string() : request.err().detail));
  REQUIRE(request.ok());
  return *request;
}

json user_says(const std::string& text) {
  return json::array({{{"role", "user"}, {"content", text}}});
}

// The field an unsupported request is refused for ("" when it is translated).
std::string refused_field(json body) {
  auto native = wire::ollama_request(checked(std::move(body)), "llama3.2");
  if (native.ok()) return "";
  CHECK(native.err().code == "unsupported");
  CHECK_FALSE(native.err().detail.empty());
  return native.err().field;
}

json sent_body(json body) {
  auto native = wire::ollama_request(checked(std::move(body)), "llama3.2");
  INFO((native.ok() ? std::string() : native.err().detail));
  REQUIRE(native.ok());
  return json::parse(native->body);
}

std::string reply_error(const std::string& text) {
  auto reply = wire::ollama_reply(text, ctx);
  return reply.ok() ? "" : reply.err().code;
}

struct streamed {
  std::vector<json> chunks;
  error err;  // code empty when the stream ended cleanly
};

streamed stream(const std::string& bytes) {
  streamed out;
  auto decoder = wire::ollama_stream_decoder(ctx);
  auto st = decoder->feed(bytes, out.chunks);
  if (st.ok()) st = decoder->finish(out.chunks);
  if (!st.ok()) out.err = st.err();
  return out;
}

const std::string text_line =
    R"({"model":"llama3.2","message":{"role":"assistant","content":"Hi"},"done":false})"
    "\n";
const std::string done_line =
    R"({"model":"llama3.2","message":{"role":"assistant","content":""},"done":true,)"
    R"("done_reason":"stop","prompt_eval_count":3,"eval_count":1})";

}  // namespace

TEST_CASE("ollama wire format: golden fixtures") {
  test::run_wire_fixtures("ollama", 14);
}

TEST_CASE("ollama wire format: request parameters it cannot express are refused by name") {
  const json tool = {{"type", "function"},
                     {"function", {{"name", "f"}, {"parameters", {{"type", "object"}}}}}};
  const json image = {{"type", "image_url"},
                      {"image_url", {{"url", "data:image/png;base64,AAAA"}}}};
  auto with = [](json extra) {
    json body = {{"model", "chat"}, {"messages", user_says("hi")}};
    body.update(extra);
    return body;
  };
  CHECK(refused_field(
            with({{"tools", json::array({tool})},
                  {"tool_choice", {{"type", "function"}, {"function", {{"name", "f"}}}}}})) ==
        "tool_choice");
  CHECK(refused_field(
            with({{"tools", json::array({{{"type", "function"},
                                          {"function", {{"name", "f"}, {"strict", true}}}}})}})) ==
        "tools[0].function.strict");
  CHECK(refused_field(with(
            {{"tools", json::array({{{"type", "custom"}, {"custom", {{"name", "grep"}}}}})}})) ==
        "tools[0]");
  CHECK(refused_field(with({{"reasoning_effort", "minimal"}})) == "reasoning_effort");
  CHECK(refused_field(with({{"logit_bias", {{"50256", -100}}}})) == "logit_bias");
  CHECK(refused_field(with({{"top_logprobs", 3}})) == "top_logprobs");
  CHECK(refused_field(with({{"top_k", "many"}})) == "top_k");
  CHECK(refused_field(with({{"response_format",
                             {{"type", "json_schema"},
                              {"json_schema", {{"name", "x"}, {"description", "a person"}}}}}})) ==
        "response_format.json_schema.description");
  CHECK(
      refused_field(with(
          {{"messages", json::array({{{"role", "user"}, {"content", "hi"}, {"name", "ann"}}})}})) ==
      "messages[0].name");
  CHECK(refused_field(with(
            {{"messages",
              json::array({{{"role", "user"}, {"content", "hi"}, {"audio", {{"id", "a"}}}}})}})) ==
        "messages[0].audio");
  json high = image;
  high["image_url"]["detail"] = "high";
  CHECK(refused_field(with(
            {{"messages", json::array({{{"role", "user"}, {"content", json::array({high})}}})}})) ==
        "messages[0].content[0].image_url.detail");
  json not_base64 = image;
  not_base64["image_url"]["url"] = "data:image/svg+xml,<svg/>";
  CHECK(refused_field(
            with({{"messages",
                   json::array({{{"role", "user"}, {"content", json::array({not_base64})}}})}})) ==
        "messages[0].content[0]");
}

TEST_CASE("ollama wire format: a tool result must answer a call the history shows") {
  json body = {{"model", "chat"},
               {"messages",
                {{{"role", "user"}, {"content", "hi"}},
                 {{"role", "tool"}, {"tool_call_id", "call_9"}, {"content", "42"}}}}};
  CHECK(refused_field(body) == "messages[1].tool_call_id");
  // LangChain names the tool on its results: that name is Ollama's tool_name.
  body["messages"][1]["name"] = "answer";
  CHECK(sent_body(body)["messages"][1] ==
        json{{"role", "tool"}, {"content", "42"}, {"tool_name", "answer"}});
}

TEST_CASE("ollama wire format: tool call arguments must be a JSON object, however they nest") {
  auto call_with = [](const std::string& arguments) {
    return json{{"model", "chat"},
                {"messages",
                 {{{"role", "user"}, {"content", "hi"}},
                  {{"role", "assistant"},
                   {"tool_calls",
                    json::array({{{"id", "c1"},
                                  {"type", "function"},
                                  {"function", {{"name", "f"}, {"arguments", arguments}}}}})}}}}};
  };
  CHECK(refused_field(call_with("[1, 2]")) == "messages[1].tool_calls[0].function.arguments");
  CHECK(refused_field(call_with("{\"a\":")) == "messages[1].tool_calls[0].function.arguments");
  CHECK(refused_field(call_with(std::string(100000, '[') + std::string(100000, ']'))) ==
        "messages[1].tool_calls[0].function.arguments");
  // No arguments at all is a call without arguments.
  CHECK(sent_body(call_with(""))["messages"][1]["tool_calls"][0]["function"]["arguments"] ==
        json::object());
}

TEST_CASE(
    "ollama wire format: extra sampling options and no-op values are translated, not refused") {
  json body = sent_body({{"model", "chat"},
                         {"messages", user_says("hi")},
                         {"top_k", 20},
                         {"min_p", 0.05},
                         {"logit_bias", json::object()},
                         {"top_logprobs", 0},
                         {"reasoning_effort", "none"},
                         {"stop", nullptr},
                         {"response_format", {{"type", "text"}}}});
  CHECK(body["options"] == json{{"top_k", 20}, {"min_p", 0.05}});
  CHECK(body["think"] == false);
  CHECK_FALSE(body.contains("format"));
}

TEST_CASE(
    "ollama wire format: every parameter without an instruction to the model is reported dropped") {
  auto native = wire::ollama_request(checked({{"model", "chat"},
                                              {"messages", user_says("hi")},
                                              {"safety_identifier", "h-1"},
                                              {"prompt_cache_key", "k"},
                                              {"user", "u"}}),
                                     "llama3.2");
  REQUIRE(native.ok());
  CHECK(native->dropped ==
        std::vector<std::string>{"user", "prompt_cache_key", "safety_identifier"});
  CHECK_FALSE(json::parse(native->body).contains("user"));
}

TEST_CASE("ollama wire format: malformed replies are bad_reply, never a crash") {
  const char* shapes[] = {
      R"([1, 2])",
      R"("text")",
      R"({"model":"m","done":true})",
      R"({"message":"hi","done":true})",
      R"({"message":{"content":7},"done":true})",
      R"({"message":{"content":"hi"},"done":false})",
      R"({"message":{"content":"hi"}})",
      R"({"message":{"content":"hi"},"done":"yes"})",
      R"({"message":{"content":"","tool_calls":{"function":{}}},"done":true})",
      R"({"message":{"content":"","tool_calls":[7]},"done":true})",
      R"({"message":{"content":"","tool_calls":[{"name":"f"}]},"done":true})",
      R"({"message":{"content":"","tool_calls":[{"function":{"name":""}}]},"done":true})",
      R"({"message":{"content":"","tool_calls":[{"function":{"name":7}}]},"done":true})",
      R"({"message":{"content":"","tool_calls":[{"function":{"name":"f","arguments":[1]}}]},"done":true})",
      R"({"error":"model 'llama9' not found"})",
      R"({"error":{"message":"overloaded"}})",
  };
  for (const char* shape : shapes) {
    INFO(shape);
    CHECK(reply_error(shape) == "bad_reply");
  }
  CHECK(reply_error("{\"message\":") == "invalid_json");
  CHECK(reply_error(std::string(1000, '[')) == "too_deep");
}

TEST_CASE("ollama wire format: odd counts in a reply are ignored, not trusted") {
  auto reply = wire::ollama_reply(
      R"({"message":{"content":"hi"},"done":true,"prompt_eval_count":-5,"eval_count":"7",)"
      R"("prompt_eval_cached_count":99})",
      ctx);
  REQUIRE(reply.ok());
  CHECK(reply->usage.reported);
  CHECK(reply->usage.input_tokens == 0);
  CHECK(reply->usage.output_tokens == 0);
  CHECK(reply->usage.cached_input_tokens == 0);  // never more than the input
  auto silent = wire::ollama_reply(R"({"message":{"content":"hi"},"done":true})", ctx);
  REQUIRE(silent.ok());
  CHECK_FALSE(silent->usage.reported);
  CHECK_FALSE(silent->body.contains("usage"));
}

TEST_CASE("ollama wire format: a stream whose done line has no newline still ends cleanly") {
  auto out = stream(text_line + done_line);
  CHECK(out.err.code.empty());
  REQUIRE(out.chunks.size() == 4);  // role, "Hi", finish, usage
  CHECK(out.chunks[2]["choices"][0]["finish_reason"] == "stop");
  CHECK(out.chunks[3]["usage"]["total_tokens"] == 4);
}

TEST_CASE("ollama wire format: stream errors end it with what the upstream said") {
  auto out = stream(text_line + R"({"error":"out of memory"})" + "\n" + done_line + "\n");
  CHECK(out.err.code == "upstream_error");
  CHECK(out.err.detail == "out of memory");
  CHECK(out.chunks.size() == 2);  // role and "Hi": nothing after the error

  auto empty = stream("");
  CHECK(empty.err.code == "cut");
  CHECK(empty.chunks.empty());

  auto cut_after_text = stream(text_line);
  CHECK(cut_after_text.err.code == "cut");

  CHECK(stream("[1,2]\n").err.code == "bad_reply");
  CHECK(stream(R"({"message":{"content":5},"done":false})"
               "\n")
            .err.code == "bad_reply");
  CHECK(stream(R"({"message":[],"done":false})"
               "\n")
            .err.code == "bad_reply");
}

TEST_CASE("ollama wire format: lines without a message and lines after the end make no chunks") {
  auto out = stream(R"({"status":"loading model"})"
                    "\n\n   \n" +
                    text_line + done_line + "\n" + text_line + "not even json\n");
  CHECK(out.err.code.empty());
  REQUIRE(out.chunks.size() == 4);
  CHECK(out.chunks[1]["choices"][0]["delta"]["content"] == "Hi");
}

TEST_CASE("ollama wire format: a failed stream takes nothing more") {
  auto decoder = wire::ollama_stream_decoder(ctx);
  std::vector<json> chunks;
  CHECK(decoder->feed("garbage\n", chunks).err().code == "bad_reply");
  CHECK_FALSE(decoder->feed(text_line, chunks).ok());
  CHECK_FALSE(decoder->finish(chunks).ok());
  CHECK(chunks.empty());
}

TEST_CASE("ollama wire format: a stream line over 4 MiB is refused as too large") {
  auto decoder = wire::ollama_stream_decoder(ctx);
  std::vector<json> chunks;
  const std::string huge = R"({"message":{"content":")" + std::string(5u << 20, 'a');
  auto st = decoder->feed(huge, chunks);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == "too_large");
  CHECK(chunks.empty());
}

TEST_CASE("ollama wire format: stream usage is what the done line counted") {
  auto decoder = wire::ollama_stream_decoder(ctx);
  std::vector<json> chunks;
  REQUIRE(decoder->feed(text_line, chunks).ok());
  CHECK_FALSE(decoder->usage().reported);
  REQUIRE(decoder->feed(done_line + "\n", chunks).ok());
  CHECK(decoder->usage().reported);
  CHECK(decoder->usage().input_tokens == 3);
  CHECK(decoder->usage().output_tokens == 1);
  REQUIRE(decoder->finish(chunks).ok());
}

TEST_CASE(
    "ollama wire format: usage counts past 2^50 are not believed, so totals cannot overflow") {
  auto reply = wire::ollama_reply(R"({"message":{"content":"x"},"done":true,
      "prompt_eval_count":9223372036854775807,"eval_count":1})",
                                  ctx);
  REQUIRE(reply.ok());
  CHECK(reply->usage.input_tokens == 0);
  CHECK(reply->body["usage"]["total_tokens"] == 1);
}

TEST_CASE(
    "ollama wire format: unknown parameters and message fields are named in a bounded detail") {
  const std::string key(100000, 'k');
  json body = {{"model", "m"}, {"messages", user_says("Hi")}, {key, 1}};
  auto native = wire::ollama_request(checked(body), "llama3.2");
  REQUIRE_FALSE(native.ok());
  CHECK(native.err().field == key);
  CHECK(native.err().detail.size() < 200);

  body = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "Hi"}, {key, 1}}}}};
  native = wire::ollama_request(checked(body), "llama3.2");
  REQUIRE_FALSE(native.ok());
  CHECK(native.err().field == "messages[0]." + key);
  CHECK(native.err().detail.size() < 200);
}
