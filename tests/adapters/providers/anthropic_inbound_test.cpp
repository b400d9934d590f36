#include <catch2/catch.hpp>

#include "adapters/providers/anthropic_inbound.hpp"
#include "adapters/providers/chat_request.hpp"
#include "tests/adapters/providers/wire_fixtures.hpp"

using namespace llmopt;
using json = nlohmann::json;

namespace {

json base_request() {
  return {{"model", "claude-sonnet-4-5"},
          {"max_tokens", 100},
          {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}};
}

// The request with one user message of these blocks.
json with_user_blocks(json blocks) {
  json request = base_request();
  request["messages"] = json::array({{{"role", "user"}, {"content", std::move(blocks)}}});
  return request;
}

result<json> translate(const json& request) {
  return wire::messages_request_to_chat(request.dump(), json_bounds{});
}

void check_refused(const json& request, const std::string& code, const std::string& field) {
  auto chat = translate(request);
  INFO(request.dump());
  REQUIRE_FALSE(chat.ok());
  CHECK(chat.err().code == code);
  CHECK(chat.err().field == field);
  CHECK_FALSE(chat.err().detail.empty());
}

// The data of every "event: NAME" in an SSE text, in order.
std::vector<std::pair<std::string, json>> events_of(const std::string& text) {
  std::vector<std::pair<std::string, json>> out;
  std::size_t at = 0;
  while ((at = text.find("event: ", at)) != std::string::npos) {
    const auto name_end = text.find('\n', at);
    const auto data_end = text.find("\n\n", name_end);
    REQUIRE(text.compare(name_end + 1, 6, "data: ") == 0);
    out.emplace_back(text.substr(at + 7, name_end - at - 7),
                     json::parse(text.substr(name_end + 7, data_end - name_end - 7)));
    at = data_end;
  }
  return out;
}

json text_chunk(const std::string& text) {
  return {{"id", "c1"},
          {"model", "m"},
          {"choices", json::array({{{"index", 0}, {"delta", {{"content", text}}}}})}};
}

}  // namespace

TEST_CASE("anthropic inbound: golden fixtures") {
  test::run_wire_fixtures("anthropic_inbound", 21);
}

TEST_CASE("anthropic inbound: bounded parsing errors reach the client unchanged") {
  auto bad = wire::messages_request_to_chat("{\"model\": ", json_bounds{});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == "invalid_json");

  auto deep = wire::messages_request_to_chat("{\"model\":\"m\",\"max_tokens\":1,\"metadata\":" +
                                                 std::string(80, '[') + std::string(80, ']') + "}",
                                             json_bounds{1 << 20, 64});
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.err().code == "too_deep");

  auto big = wire::messages_request_to_chat(base_request().dump(), json_bounds{10, 64});
  REQUIRE_FALSE(big.ok());
  CHECK(big.err().code == "too_large");

  check_refused(json::array(), "invalid_request", "");
}

TEST_CASE("anthropic inbound: a request of the wrong shape names the Anthropic field") {
  json request = base_request();
  request.erase("model");
  check_refused(request, "invalid_request", "model");

  request = base_request();
  request["max_tokens"] = 0;
  check_refused(request, "invalid_request", "max_tokens");
  request["max_tokens"] = 1.5;
  check_refused(request, "invalid_request", "max_tokens");
  request["max_tokens"] = 18446744073709551615ull;
  check_refused(request, "invalid_request", "max_tokens");

  request = base_request();
  request["messages"] = json::array();
  check_refused(request, "invalid_request", "messages");

  request = base_request();
  request["messages"][0]["role"] = "system";
  check_refused(request, "invalid_request", "messages[0].role");

  request = base_request();
  request["messages"][0]["content"] = 42;
  check_refused(request, "invalid_request", "messages[0].content");

  check_refused(with_user_blocks({"just text"}), "invalid_request", "messages[0].content[0]");
  check_refused(with_user_blocks({{{"type", 3}}}), "invalid_request",
                "messages[0].content[0].type");
  check_refused(with_user_blocks({{{"type", "text"}, {"text", 3}}}), "invalid_request",
                "messages[0].content[0].text");
  check_refused(
      with_user_blocks({{{"type", "image"}, {"source", {{"type", "base64"}, {"data", "AAAA"}}}}}),
      "invalid_request", "messages[0].content[0].source.media_type");
  check_refused(with_user_blocks({{{"type", "tool_result"}, {"content", "x"}}}), "invalid_request",
                "messages[0].content[0].tool_use_id");

  request = base_request();
  request["temperature"] = 1.5;  // Anthropic's range is 0 to 1
  check_refused(request, "invalid_request", "temperature");

  request = base_request();
  request["tools"] = {{{"name", "f"}}};
  check_refused(request, "invalid_request", "tools[0].input_schema");

  request = base_request();
  request["tool_choice"] = {{"type", "any"}};  // no tools to choose from
  check_refused(request, "invalid_request", "tool_choice");
}

TEST_CASE("anthropic inbound: what an OpenAI chat request cannot carry is refused, never dropped") {
  check_refused(with_user_blocks(
                    {{{"type", "image"}, {"source", {{"type", "file"}, {"file_id", "file_011"}}}}}),
                "unsupported", "messages[0].content[0].source");
  check_refused(
      with_user_blocks({{{"type", "tool_result"},
                         {"tool_use_id", "toolu_1"},
                         {"content",
                          {{{"type", "image"},
                            {"source", {{"type", "url"}, {"url", "https://x.test/a.png"}}}}}}}}),
      "unsupported", "messages[0].content[0].content[0]");
  check_refused(
      with_user_blocks(
          {{{"type", "text"}, {"text", "as cited"}, {"citations", {{{"type", "char_location"}}}}}}),
      "unsupported", "messages[0].content[0].citations");

  json request = base_request();
  request["messages"] = {
      {{"role", "user"}, {"content", "Hi"}},
      {{"role", "assistant"}, {"content", {{{"type", "thinking"}, {"thinking", "hmm"}}}}},
      {{"role", "user"}, {"content", "Go on"}}};
  check_refused(request, "unsupported", "messages[1].content[0]");

  for (const char* field : {"container", "mcp_servers", "context_management", "inference_geo",
                            "a_field_from_the_future"}) {
    request = base_request();
    request[field] = "x";
    check_refused(request, "unsupported", field);
  }

  request = base_request();
  request["tools"] = {
      {{"name", "f"}, {"input_schema", json::object()}, {"input_examples", {{{"a", 1}}}}}};
  check_refused(request, "unsupported", "tools[0].input_examples");

  request = base_request();
  request["output_config"] = {{"effort", "max"}};
  check_refused(request, "unsupported", "output_config.effort");
}

TEST_CASE("anthropic inbound: no-op values and hints without effect on the answer are accepted") {
  json request = base_request();
  request["thinking"] = {{"type", "disabled"}};
  request["service_tier"] = "standard_only";
  request["cache_control"] = {{"type", "ephemeral"}};
  request["top_k"] = nullptr;
  request["stream"] = false;
  request["tools"] = {{{"type", "custom"},
                       {"name", "f"},
                       {"input_schema", json::object()},
                       {"defer_loading", false},
                       {"eager_input_streaming", true}}};
  request["tool_choice"] = {{"type", "auto"}};
  auto chat = translate(request);
  INFO((chat.ok() ? chat->dump() : chat.err().detail));
  REQUIRE(chat.ok());
  CHECK(*chat == json{{"model", "claude-sonnet-4-5"},
                      {"max_tokens", 100},
                      {"messages", {{{"role", "user"}, {"content", "Hi"}}}},
                      {"tools",
                       {{{"type", "function"},
                         {"function", {{"name", "f"}, {"parameters", json::object()}}}}}},
                      {"tool_choice", "auto"}});
}

TEST_CASE("anthropic inbound: a failed tool result still tells the model it failed") {
  auto chat = translate(with_user_blocks(
      {{{"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"is_error", true}}}));
  REQUIRE(chat.ok());
  CHECK((*chat)["messages"] ==
        json{{{"role", "tool"}, {"tool_call_id", "toolu_1"}, {"content", "Error"}}});

  chat = translate(with_user_blocks(
      {{{"type", "tool_result"},
        {"tool_use_id", "toolu_1"},
        {"is_error", true},
        {"content",
         {{{"type", "text"}, {"text", "timeout"}}, {{"type", "text"}, {"text", "after 30 s"}}}}}}));
  REQUIRE(chat.ok());
  CHECK((*chat)["messages"][0]["content"] == json{{{"type", "text"}, {"text", "Error: timeout"}},
                                                  {{"type", "text"}, {"text", "after 30 s"}}});
  CHECK(check_chat_request(*chat).ok());
}

TEST_CASE("anthropic inbound: a reply of an unexpected shape is still a Message, never a crash") {
  for (const char* completion : {
           R"(null)",
           R"("text")",
           R"([])",
           R"({})",
           R"({"choices": "none"})",
           R"({"choices": [42]})",
           R"({"id": 7, "choices": [{"message": "hi", "finish_reason": 3}]})",
           R"({"choices": [{"message": {"content": [1, 2], "tool_calls":
                 [1, {"function": "f"}, {"function": {"name": 5}}]}}],
               "usage": {"prompt_tokens": "many", "prompt_tokens_details": 3}})",
       }) {
    INFO(completion);
    const json message = wire::chat_completion_to_message(json::parse(completion));
    CHECK(message["type"] == "message");
    CHECK(message["role"] == "assistant");
    CHECK(message["content"] == json::array());
    CHECK(message["stop_reason"] == "end_turn");
    CHECK(message["usage"] == json{{"input_tokens", 0}, {"output_tokens", 0}});
    CHECK(message["id"].get<std::string>().rfind("msg_", 0) == 0);
  }
}

TEST_CASE("anthropic inbound: tool arguments that are not a JSON object are kept as text") {
  for (const std::string arguments : {"{\"city\": \"Par", "[1, 2]", "42"}) {
    json completion = {
        {"id", "chatcmpl-1"},
        {"choices",
         {{{"message",
            {{"content", nullptr},
             {"tool_calls",
              {{{"id", "call_1"},
                {"type", "function"},
                {"function", {{"name", "get_weather"}, {"arguments", arguments}}}}}}}},
           {"finish_reason", "tool_calls"}}}}};
    const json message = wire::chat_completion_to_message(completion);
    CHECK(message["content"] == json{{{"type", "tool_use"},
                                      {"id", "call_1"},
                                      {"name", "get_weather"},
                                      {"input", {{"_raw_arguments", arguments}}}}});
    CHECK(message["stop_reason"] == "tool_use");
  }
}

TEST_CASE("anthropic inbound: a refusal is shown as text and stops with refusal") {
  json completion = {{"id", "chatcmpl-1"},
                     {"choices",
                      {{{"message", {{"content", nullptr}, {"refusal", "I can't help with that."}}},
                        {"finish_reason", "stop"}}}}};
  const json message = wire::chat_completion_to_message(completion);
  CHECK(message["content"] == json{{{"type", "text"}, {"text", "I can't help with that."}}});
  CHECK(message["stop_reason"] == "refusal");

  wire::message_stream_encoder encoder;
  std::string text =
      encoder.encode({{"id", "c"},
                      {"model", "m"},
                      {"choices", {{{"index", 0}, {"delta", {{"refusal", "No."}}}}}}});
  text += encoder.end();
  auto events = events_of(text);
  REQUIRE(events.size() == 6);
  CHECK(events[2].second["delta"] == json{{"type", "text_delta"}, {"text", "No."}});
  CHECK(events[4].second["delta"]["stop_reason"] == "refusal");
}

TEST_CASE("anthropic inbound: error bodies carry the type Anthropic gives the status") {
  const std::vector<std::pair<int, std::string>> types = {{400, "invalid_request_error"},
                                                          {401, "authentication_error"},
                                                          {402, "billing_error"},
                                                          {403, "permission_error"},
                                                          {404, "not_found_error"},
                                                          {409, "invalid_request_error"},
                                                          {413, "request_too_large"},
                                                          {429, "rate_limit_error"},
                                                          {500, "api_error"},
                                                          {502, "api_error"},
                                                          {503, "overloaded_error"},
                                                          {504, "timeout_error"},
                                                          {529, "overloaded_error"}};
  for (const auto& [status, type] : types) {
    INFO(status);
    CHECK(wire::anthropic_error_body(status, "boom") ==
          json{{"type", "error"}, {"error", {{"type", type}, {"message", "boom"}}}});
  }
  CHECK(wire::message_stream_encoder::error_event(529, "Overloaded") ==
        "event: error\ndata: "
        "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"},\"type\":\"error\"}"
        "\n\n");
  // Invalid UTF-8 in a message (an upstream's text) is replaced, not thrown.
  auto event = wire::message_stream_encoder::error_event(500, "bad \xff byte");
  CHECK(event.find("bad \xef\xbf\xbd byte") != std::string::npos);
}

TEST_CASE("anthropic inbound: chunks of an unexpected shape are skipped, the stream stays valid") {
  wire::message_stream_encoder encoder;
  std::string text;
  for (const char* chunk : {
           R"(null)",
           R"("data")",
           R"([1])",
           R"({"choices": "x"})",
           R"({"choices": [1, {"delta": "x"}, {"index": 1, "delta": {"content": "other"}}]})",
           R"({"choices": [{"delta": {"content": 5, "tool_calls":
                 [7, {"index": "0"}, {"index": 3, "function": {"arguments": "{}"}}]}}]})",
       })
    text += encoder.encode(json::parse(chunk));
  text += encoder.encode(text_chunk("ok"));
  text += encoder.end();
  text += encoder.end();                       // once only
  text += encoder.encode(text_chunk("late"));  // nothing after the end
  auto events = events_of(text);
  std::vector<std::string> names;
  for (const auto& [name, data] : events)
    names.push_back(name);
  CHECK(names == std::vector<std::string>{"message_start", "content_block_start",
                                          "content_block_delta", "content_block_stop",
                                          "message_delta", "message_stop"});
  // The first object chunk started the message; it named no id.
  CHECK(events[0].second["message"]["id"] == "msg_llmopt");
  CHECK(events[2].second["delta"]["text"] == "ok");
}

TEST_CASE("anthropic inbound: a stream with no chunks still opens and closes a message") {
  wire::message_stream_encoder encoder;
  auto events = events_of(encoder.end());
  REQUIRE(events.size() == 3);
  CHECK(events[0].first == "message_start");
  CHECK(events[1].second ==
        json{{"type", "message_delta"},
             {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
             {"usage", {{"output_tokens", 0}}}});
  CHECK(events[2].first == "message_stop");
}

TEST_CASE("anthropic inbound: a tool call resumed after another block keeps its id and name") {
  auto call = [](int k, json fields) {
    fields["index"] = k;
    return json{{"id", "c"},
                {"model", "m"},
                {"choices", {{{"index", 0}, {"delta", {{"tool_calls", {fields}}}}}}}};
  };
  wire::message_stream_encoder encoder;
  std::string text;
  text += encoder.encode(
      call(0, {{"id", "call_a"}, {"function", {{"name", "f"}, {"arguments", "{\"a\":"}}}}));
  text += encoder.encode(text_chunk("between"));
  text += encoder.encode(call(0, {{"function", {{"arguments", "1}"}}}}));
  text += encoder.encode(call(5, {{"function", {{"arguments", "{}"}}}}));  // never named: skipped
  text += encoder.end();
  auto events = events_of(text);
  std::vector<json> starts;
  std::string arguments;
  for (const auto& [name, data] : events) {
    if (name == "content_block_start") starts.push_back(data["content_block"]);
    if (name == "content_block_delta" && data["delta"]["type"] == "input_json_delta")
      arguments += data["delta"]["partial_json"].get<std::string>();
  }
  REQUIRE(starts.size() == 3);
  CHECK(starts[0] ==
        json{{"type", "tool_use"}, {"id", "call_a"}, {"name", "f"}, {"input", json::object()}});
  CHECK(starts[1]["type"] == "text");
  CHECK(starts[2] == starts[0]);
  CHECK(arguments == "{\"a\":1}");
}

TEST_CASE("anthropic inbound: types it cannot carry are quoted in a detail of bounded length") {
  const std::string type(100000, 't');
  json server_tool = base_request();
  server_tool["tools"] = {{{"type", type}, {"name", "search"}}};
  json source = with_user_blocks({{{"type", "image"}, {"source", {{"type", type}}}}});
  for (const json& request : {server_tool, with_user_blocks({{{"type", type}}}), source}) {
    auto chat = translate(request);
    REQUIRE_FALSE(chat.ok());
    CHECK(chat.err().code == "unsupported");
    CHECK(chat.err().detail.size() < 300);
  }
}
