#include <catch2/catch.hpp>

#include "adapters/providers/gemini_wire.hpp"
#include "tests/adapters/providers/wire_fixtures.hpp"

using namespace llmopt;
using json = nlohmann::json;

namespace {

const wire::reply_context ctx{"gemini-2.5-flash", "chatcmpl-x", 1};

result<wire::upstream_request> translate(const json& openai,
                                         const std::string& model = "gemini-2.5-flash") {
  auto request = check_chat_request(openai);
  REQUIRE(request.ok());
  return wire::gemini_request(*request, model);
}

json body_of(const json& openai) {
  auto native = translate(openai);
  INFO((native.ok() ? std::string() : native.err().detail));
  REQUIRE(native.ok());
  return json::parse(native->body);
}

json user_says(const std::string& text) {
  return {{"model", "chat"}, {"messages", {{{"role", "user"}, {"content", text}}}}};
}

json patched(json request, const json& patch) {
  request.merge_patch(patch);
  return request;
}

struct streamed {
  std::vector<json> chunks;
  status fed = ok_status();
  status finished = ok_status();
};

streamed stream(const std::string& bytes) {
  streamed out;
  auto decoder = wire::gemini_stream_decoder(ctx);
  out.fed = decoder->feed(bytes, out.chunks);
  if (out.fed.ok()) out.finished = decoder->finish(out.chunks);
  return out;
}

std::string event(const json& response) {
  return "data: " + response.dump() + "\r\n\r\n";
}

json text_event(const std::string& text, bool last = false) {
  json candidate{{"content", {{"role", "model"}, {"parts", {{{"text", text}}}}}}};
  if (last) candidate["finishReason"] = "STOP";
  return {{"candidates", {candidate}}};
}

}  // namespace

TEST_CASE("gemini wire format: golden fixtures") {
  test::run_wire_fixtures("gemini", 16);
}

TEST_CASE("gemini wire format: every malformed reply is bad_reply, never a crash") {
  const char* bodies[] = {
      R"([])",
      R"({"candidates": {}})",
      R"({"candidates": [1]})",
      R"({"candidates": []})",
      R"({"candidates": [{"content": []}]})",
      R"({"candidates": [{"content": {"parts": {}}}]})",
      R"({"candidates": [{"content": {"parts": [1]}}]})",
      R"({"candidates": [{"content": {"parts": [{"text": 5}]}}]})",
      R"({"candidates": [{"content": {"parts": [{"functionCall": "f"}]}}]})",
      R"({"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]})",
      R"({"candidates": [{"content": {"parts": [{"functionCall": {"name": ""}}]}}]})",
      R"({"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": [1]}}]}}]})",
      R"({"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "id": 7}}]}}]})",
      R"({"candidates": [{"logprobsResult": []}]})",
      R"({"candidates": [{"logprobsResult": {"chosenCandidates": [{"token": 1}]}}]})",
      R"({"candidates": [{"logprobsResult": {"chosenCandidates": [{"logProbability": "x"}]}}]})",
      R"({"candidates": [{"logprobsResult": {"topCandidates": [3], "chosenCandidates": [{}]}}]})",
      R"({"promptFeedback": {"blockReason": 3}})",
  };
  for (const char* body : bodies) {
    INFO(body);
    auto reply = wire::gemini_reply(body, ctx);
    REQUIRE_FALSE(reply.ok());
    CHECK(reply.err().code == "bad_reply");
    CHECK_FALSE(reply.err().detail.empty());
  }
  CHECK(wire::gemini_reply("{\"candidates\": [", ctx).err().code == "invalid_json");
  CHECK(wire::gemini_reply(std::string(200, '[') + std::string(200, ']'), ctx).err().code ==
        "too_deep");
}

TEST_CASE("gemini wire format: a reply's members of the wrong type read as absent") {
  // usageMetadata counts, finishReason, responseId and modelVersion are
  // advisory: a wrong type falls back rather than failing the answer.
  auto reply = wire::gemini_reply(
      R"({"candidates": [{"content": {"parts": [{"text": "ok"}, {"executableCode": {}}]},
          "finishReason": 1}], "responseId": 5, "modelVersion": null,
          "usageMetadata": {"promptTokenCount": "3", "candidatesTokenCount": -4}})",
      ctx);
  REQUIRE(reply.ok());
  CHECK(reply->body["id"] == "chatcmpl-x");
  CHECK(reply->body["model"] == "gemini-2.5-flash");
  CHECK(reply->body["choices"][0]["message"]["content"] == "ok");
  CHECK(reply->body["choices"][0]["finish_reason"] == "stop");
  CHECK(reply->usage.reported);
  CHECK(reply->usage.input_tokens == 0);
  CHECK(reply->usage.output_tokens == 0);
}

TEST_CASE("gemini wire format: fallback tool call ids are the same on every translation") {
  const std::string body =
      R"({"candidates": [{"content": {"parts": [{"functionCall": {"name": "a"}},
          {"functionCall": {"name": "b", "id": "own"}}, {"functionCall": {"name": "c"}}]}}]})";
  auto first = wire::gemini_reply(body, ctx);
  auto second = wire::gemini_reply(body, ctx);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  const json& calls = first->body["choices"][0]["message"]["tool_calls"];
  CHECK(calls[0]["id"] == "chatcmpl-x_call_0");
  CHECK(calls[1]["id"] == "own");
  CHECK(calls[2]["id"] == "chatcmpl-x_call_2");
  CHECK(calls[0]["function"]["arguments"] == "{}");
  CHECK(first->body == second->body);
}

TEST_CASE("gemini wire format: a stream cut in the middle of an event is cut") {
  const std::string whole = event(text_event("Hel")) + event(text_event("lo", true));
  auto decoder = wire::gemini_stream_decoder(ctx);
  std::vector<json> chunks;
  // Everything but the blank line that would end the finishing event.
  REQUIRE(decoder->feed(whole.substr(0, whole.size() - 2), chunks).ok());
  auto end = decoder->finish(chunks);
  REQUIRE_FALSE(end.ok());
  CHECK(end.err().code == "cut");
  REQUIRE(chunks.size() == 2);  // the role chunk and "Hel", never a finish
  CHECK(chunks[1]["choices"][0]["delta"]["content"] == "Hel");
  CHECK_FALSE(decoder->feed(event(text_event("more")), chunks).ok());  // takes nothing more
}

TEST_CASE("gemini wire format: an empty stream is cut, not an empty answer") {
  auto run = stream("");
  REQUIRE_FALSE(run.finished.ok());
  CHECK(run.finished.err().code == "cut");
  CHECK(run.chunks.empty());
}

TEST_CASE("gemini wire format: comments, event names, unknown members and parts are ignored") {
  json noisy = text_event("Hi", true);
  noisy["modelStatus"] = {{"modelStage", "STABLE"}};
  noisy["candidates"][0]["groundingMetadata"] = json::object();
  noisy["candidates"][0]["content"]["parts"].push_back({{"codeExecutionResult", json::object()}});
  auto run = stream(": keep-alive\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n" + event(noisy));
  REQUIRE(run.fed.ok());
  REQUIRE(run.finished.ok());
  REQUIRE(run.chunks.size() == 3);
  CHECK(run.chunks[1]["choices"][0]["delta"] == json{{"content", "Hi"}});
  CHECK(run.chunks[2]["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("gemini wire format: after a candidate's finish, only usage still counts") {
  json late_usage{{"usageMetadata", {{"promptTokenCount", 4}, {"candidatesTokenCount", 2}}}};
  auto run =
      stream(event(text_event("Hi", true)) + event(text_event(" again", true)) + event(late_usage));
  REQUIRE(run.finished.ok());
  REQUIRE(run.chunks.size() == 4);  // role, "Hi", finish, usage: " again" came after the end
  CHECK(run.chunks[3]["usage"]["prompt_tokens"] == 4);
  CHECK(run.chunks[3]["usage"]["completion_tokens"] == 2);
}

TEST_CASE("gemini wire format: malformed stream events end the stream with an error") {
  const std::pair<std::string, std::string> cases[] = {
      {"data: [1]\n\n", "bad_reply"},
      {"data: {\"candidates\": 3}\n\n", "bad_reply"},
      {"data: {\"candidates\": {}}\n\n", "bad_reply"},
      {"data: {\"candidates\": [{\"index\": -1}]}\n\n", "bad_reply"},
      {"data: {\"candidates\": [{\"index\": 100000}]}\n\n", "bad_reply"},
      {"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": null}]}}]}\n\n", "bad_reply"},
      {"data: {\"candidates\": [\n\n", "invalid_json"},
      {"data: {\"error\": {\"code\": 429, \"message\": \"Resource exhausted\"}}\n\n",
       "upstream_error"},
  };
  for (const auto& [bytes, code] : cases) {
    INFO(bytes);
    auto run = stream(bytes);
    REQUIRE_FALSE(run.fed.ok());
    CHECK(run.fed.err().code == code);
  }
  auto overloaded = stream("data: {\"error\": {\"code\": 503, \"message\": \"overloaded\"}}\n\n");
  CHECK(overloaded.fed.err().detail == "overloaded");  // the upstream's own words
}

TEST_CASE("gemini wire format: an event over the size bound is too_large") {
  auto run = stream("data: \"" + std::string(5u << 20, 'x'));
  REQUIRE_FALSE(run.fed.ok());
  CHECK(run.fed.err().code == "too_large");
}

TEST_CASE("gemini wire format: the model path is built once, never doubled or broken") {
  const json request = user_says("Hi");
  CHECK(translate(request, "gemini-2.5-flash")->path == "/models/gemini-2.5-flash:generateContent");
  CHECK(translate(request, "models/gemini-2.5-flash")->path ==
        "/models/gemini-2.5-flash:generateContent");
  CHECK(translate(request, "tunedModels/my-model-7")->path ==
        "/tunedModels/my-model-7:generateContent");
  for (const char* bad : {"", "gemini?alt=json", "a b", "gemini:generateContent"}) {
    auto native = translate(request, bad);
    REQUIRE_FALSE(native.ok());
    CHECK(native.err().field == "model");
  }
}

TEST_CASE("gemini wire format: parameters Gemini cannot honour are refused, naming them") {
  auto refused = [](json request, const char* field) {
    auto native = translate(request);
    INFO(field);
    REQUIRE_FALSE(native.ok());
    CHECK(native.err().code == "unsupported");
    CHECK(native.err().field == field);
  };
  json request = user_says("Hi");
  refused(patched(request, {{"top_logprobs", 2}}), "top_logprobs");
  refused(patched(request, {{"seed", 1LL << 40}}), "seed");
  refused(patched(request, {{"seed", -(1LL << 40)}}), "seed");
  refused(patched(request, {{"seed", json::parse("18446744073709551615")}}), "seed");
  refused(patched(request, {{"max_tokens", 1LL << 40}}), "max_tokens");
  refused(patched(request, {{"reasoning_effort", "none"}}), "reasoning_effort");
  refused(patched(request, {{"modalities", {"text", "audio"}}}), "modalities");
  refused(patched(request, {{"audio", {{"voice", "alloy"}}}}), "audio");
  refused({{"model", "chat"}, {"messages", {{{"role", "system"}, {"content", "Be brief."}}}}},
          "messages");
  json images = user_says("");
  images["messages"][0]["content"] = {
      {{"type", "image_url"},
       {"image_url", {{"url", "https://a.example/x.png"}, {"detail", "low"}}}},
      {{"type", "image_url"},
       {"image_url", {{"url", "https://a.example/y.png"}, {"detail", "high"}}}}};
  refused(images, "messages[0].content[1].image_url.detail");
  images["messages"][0]["content"] = {
      {{"type", "image_url"}, {"image_url", {{"url", "data:image/png,not-base64"}}}}};
  refused(images, "messages[0].content[0].image_url.url");
  json file = user_says("");
  file["messages"][0]["content"] = {{{"type", "file"}, {"file", {{"file_id", "file-abc"}}}}};
  refused(file, "messages[0].content[0].file.file_id");
}

TEST_CASE("gemini wire format: no-op values and nulls are accepted without a trace") {
  json request = user_says("Hi");
  request = patched(request, {{"n", 1},
                              {"logprobs", false},
                              {"top_logprobs", 0},
                              {"logit_bias", json::object()},
                              {"parallel_tool_calls", true},
                              {"modalities", {"text"}},
                              {"response_format", {{"type", "text"}}},
                              {"stream_options", {{"include_usage", true}}}});
  request["functions"] = nullptr;  // an unknown field, but null: says nothing
  auto native = translate(request);
  REQUIRE(native.ok());
  CHECK(native->dropped.empty());
  CHECK(json::parse(native->body) ==
        json{{"contents", {{{"role", "user"}, {"parts", {{{"text", "Hi"}}}}}}}});
}

TEST_CASE("gemini wire format: a json_schema description goes into the schema") {
  json request = user_says("A person.");
  request["response_format"] = {{"type", "json_schema"},
                                {"json_schema",
                                 {{"name", "person"},
                                  {"description", "Someone fictional"},
                                  {"schema", {{"type", "object"}}}}}};
  auto config = body_of(request)["generationConfig"];
  CHECK(config["responseJsonSchema"] ==
        json{{"type", "object"}, {"description", "Someone fictional"}});
  request["response_format"]["json_schema"]["schema"]["description"] = "its own";
  auto native = translate(request);
  REQUIRE_FALSE(native.ok());
  CHECK(native.err().field == "response_format.json_schema.description");
}

TEST_CASE("gemini wire format: empty text is left out, and argument-less calls send {}") {
  json request{{"model", "chat"},
               {"messages",
                {{{"role", "system"}, {"content", ""}},
                 {{"role", "user"}, {"content", "Time?"}},
                 {{"role", "assistant"},
                  {"content", ""},
                  {"tool_calls",
                   {{{"id", "c1"},
                     {"type", "function"},
                     {"function", {{"name", "now"}, {"arguments", ""}}}}}}},
                 {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "12:00"}},
                 {{"role", "user"}, {"content", ""}}}}};
  json body = body_of(request);
  CHECK_FALSE(body.contains("systemInstruction"));
  REQUIRE(body["contents"].size() == 3);  // the empty user message says nothing
  CHECK(body["contents"][1]["parts"] ==
        json{{{"functionCall", {{"id", "c1"}, {"name", "now"}, {"args", json::object()}}},
              {"thoughtSignature", "context_engineering_is_the_way_to_go"}}});
  CHECK(body["contents"][2]["parts"][0]["functionResponse"]["response"] ==
        json{{"content", "12:00"}});
}

TEST_CASE("gemini wire format: a user message after tool results starts its own content") {
  json request{{"model", "chat"},
               {"messages",
                {{{"role", "user"}, {"content", "Go"}},
                 {{"role", "assistant"},
                  {"tool_calls",
                   {{{"id", "c1"},
                     {"type", "function"},
                     {"function", {{"name", "f"}, {"arguments", "{}"}}}}}}},
                 {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "done"}},
                 {{"role", "user"}, {"content", "Thanks"}},
                 {{"role", "assistant"},
                  {"tool_calls",
                   {{{"id", "c2"},
                     {"type", "function"},
                     {"function", {{"name", "f"}, {"arguments", "{}"}}}}}}},
                 {{"role", "tool"}, {"tool_call_id", "c2"}, {"content", "again"}}}}};
  json contents = body_of(request)["contents"];
  REQUIRE(contents.size() == 6);
  CHECK(contents[2]["parts"].size() == 1);
  CHECK(contents[3]["parts"] == json{{{"text", "Thanks"}}});
  CHECK(contents[5]["parts"][0]["functionResponse"]["id"] == "c2");
}

TEST_CASE("gemini wire format: usage counts past 2^50 are not believed, so sums cannot overflow") {
  auto reply = wire::gemini_reply(
      R"({"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{
          "promptTokenCount":9223372036854775807,"toolUsePromptTokenCount":1,
          "candidatesTokenCount":9223372036854775807,"thoughtsTokenCount":2}})",
      ctx);
  REQUIRE(reply.ok());
  CHECK(reply->usage.input_tokens == 1);
  CHECK(reply->usage.output_tokens == 2);
  CHECK(reply->body["usage"]["total_tokens"] == 3);
}

TEST_CASE("gemini wire format: a refusal part with a stray text member is read as its refusal") {
  // check_chat_request reads only "refusal" of a refusal part: "text" may be anything.
  json openai = user_says("Hi");
  openai["messages"].push_back(
      {{"role", "assistant"},
       {"content", {{{"type", "refusal"}, {"refusal", "I cannot."}, {"text", 1}}}}});
  openai["messages"].push_back({{"role", "user"}, {"content", "Why?"}});
  json body = body_of(openai);
  CHECK(body["contents"][1] ==
        json{{"role", "model"}, {"parts", json::array({{{"text", "I cannot."}}})}});
}

TEST_CASE("gemini wire format: an unknown parameter is named in a detail of bounded length") {
  auto native = translate(patched(user_says("Hi"), {{std::string(100000, 'k'), 1}}));
  REQUIRE_FALSE(native.ok());
  CHECK(native.err().field.size() == 100000);
  CHECK(native.err().detail.size() < 200);
}
