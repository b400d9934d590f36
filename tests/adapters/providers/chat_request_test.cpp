#include <catch2/catch.hpp>

#include "adapters/providers/chat_request.hpp"

using namespace llmopt;

namespace {

result<chat_request> parse(const std::string& body) {
  return parse_chat_request(body, json_bounds{1u << 20, 64});
}

// The field a bad request is refused for.
std::string field_of(const std::string& body) {
  auto r = parse(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == "invalid_request");
  return r.err().field;
}

}  // namespace

TEST_CASE("chat request: a full request is read with what it needs") {
  auto r = parse(R"({"model":"chat","stream":true,"stream_options":{"include_usage":true},
    "messages":[
      {"role":"system","content":"Be brief."},
      {"role":"user","content":[{"type":"text","text":"What is in this picture?"},
        {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
        "function":{"name":"look","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"a cat"}],
    "tools":[{"type":"function","function":{"name":"look","parameters":{"type":"object"}}}],
    "tool_choice":"auto","response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{}}},
    "max_completion_tokens":100,"temperature":0.5,"stop":["\n"],"seed":7})");
  REQUIRE(r.ok());
  CHECK(r->stream);
  CHECK(r->include_usage);
  CHECK(r->needs.streaming);
  CHECK(r->needs.tools);
  CHECK(r->needs.vision);
  CHECK(r->needs.json_schema);
  CHECK(r->max_output_tokens == 100);
  CHECK(r->needs.context_tokens == r->estimated_input_tokens + 100);
}

TEST_CASE("chat request: each wrong field is named") {
  CHECK(field_of(R"({"messages":[{"role":"user","content":"x"}]})") == "model");
  CHECK(field_of(R"({"model":"m"})") == "messages");
  CHECK(field_of(R"({"model":"m","messages":[]})") == "messages");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"robot","content":"x"}]})") ==
        "messages[0].role");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url",
    "image_url":{"url":""}}]}]})") == "messages[0].content[0].image_url.url");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":[{"type":"video"}]}]})") ==
        "messages[0].content[0].type");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})") ==
        "messages[0].tool_call_id");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"assistant"}]})") == "messages[0].content");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"a",
    "type":"function","function":{"name":"f","arguments":{}}}]}]})") ==
        "messages[0].tool_calls[0].function.arguments");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3})") ==
        "temperature");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0})") ==
        "max_tokens");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})") ==
        "stop[0]");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "tools":[{"type":"function","function":{}}]})") == "tools[0].function.name");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "tool_choice":"sometimes"})") == "tool_choice");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "response_format":{"type":"json_schema"}})") == "response_format.json_schema");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})") ==
        "stream");
  CHECK(field_of(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "stream_options":{"include_usage":1}})") == "stream_options.include_usage");
}

TEST_CASE("chat request: bounds come first, and name the member") {
  std::string deep = R"({"model":"chat","messages":[{"role":"user","content":)" +
                     std::string(100000, '[') + std::string(100000, ']') + "}]}";
  auto r = parse(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == "too_deep");
  CHECK(r.err().field == "messages");
  CHECK(parse("{").err().code == "invalid_json");
}

TEST_CASE("chat request: a huge max_tokens does not overflow the context estimate") {
  auto r = parse(R"({"model":"m","messages":[{"role":"user","content":"x"}],
    "max_tokens":9223372036854775807})");
  REQUIRE(r.ok());
  CHECK(r->needs.context_tokens == std::numeric_limits<long long>::max());
}

TEST_CASE(
    "chat request: a bad metadata or logit_bias entry is named in a detail of bounded length") {
  const std::string name(100000, 'n');
  for (const char* map : {"metadata", "logit_bias"}) {
    nlohmann::json body = {{"model", "chat"},
                           {"messages", {{{"role", "user"}, {"content", "Hi"}}}},
                           {map, {{name, nullptr}}}};
    auto r = parse(body.dump());
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == "invalid_request");
    CHECK(r.err().detail.size() < 200);
  }
}
