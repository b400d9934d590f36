// The simulator's Gemini generateContent and streamGenerateContent, read as
// the API reference describes them.

#include <catch2/catch.hpp>

#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

const json ask = {
    {"contents", {{{"role", "user"}, {"parts", {{{"text", "hello there, simulator!"}}}}}}},
    {"systemInstruction", {{"parts", {{{"text", "Be brief."}}}}}}};

const json two_tools = json::array(
    {{{"functionDeclarations",
       {{{"name", "get_weather"},
         {"parameters",
          {{"type", "OBJECT"},
           {"properties", {{"city", {{"type", "STRING"}}}, {"days", {{"type", "INTEGER"}}}}},
           {"required", {"city", "days"}}}}},
        {{"name", "get_time"}}}}}});

std::string url_of(const provider_sim& sim, const std::string& model, const std::string& method) {
  return sim.base_url(sim_format::gemini) + "/models/" + model + ":" + method;
}

std::string text_of(const json& response) {
  std::string text;
  for (const auto& part : response["candidates"][0]["content"]["parts"])
    text += part.value("text", "");
  return text;
}

}  // namespace

TEST_CASE("gemini sim: a GenerateContentResponse with text, finishReason and usageMetadata") {
  auto sim = start({fixed_model("google:gemini-x", 5, 7)});
  // The full id holds a ':' before the method's; percent-encoded works too.
  for (const std::string model : {"google:gemini-x", "gemini-x", "google%3Agemini-x"}) {
    INFO(model);
    auto r = post_json(url_of(*sim, model, "generateContent"), ask);
    const auto& candidate = r["candidates"][0];
    CHECK(candidate["content"]["role"] == "model");
    CHECK(candidate["finishReason"] == "STOP");
    CHECK(candidate["index"] == 0);
    const std::string text = text_of(r);
    CHECK(std::count(text.begin(), text.end(), ' ') == 6);
    CHECK(r["usageMetadata"]["promptTokenCount"] == 8);  // (23 + 9) characters / 4
    CHECK(r["usageMetadata"]["candidatesTokenCount"] == 7);
    CHECK(r["usageMetadata"]["totalTokenCount"] == 15);
  }
}

TEST_CASE("gemini sim: streamGenerateContent, as SSE with alt=sse and as a JSON array without") {
  auto plain_sim = start({fixed_model("google:gemini-x", 5, 5)});
  const std::string plain =
      text_of(post_json(url_of(*plain_sim, "gemini-x", "generateContent"), ask));
  for (const bool sse : {true, false}) {
    INFO("sse " << sse);
    auto sim = start({fixed_model("google:gemini-x", 5, 5)});
    auto c = post(url_of(*sim, "gemini-x", "streamGenerateContent") + (sse ? "?alt=sse" : ""),
                  ask.dump());
    REQUIRE(c.result.status == 200);
    std::vector<json> chunks;
    if (sse) {
      CHECK(c.result.header("content-type") == "text/event-stream");
      for (const auto& e : sse_events(c.body))
        chunks.push_back(json::parse(e.data));
    } else {
      CHECK(c.result.header("content-type") == "application/json");
      auto array = json::parse(c.body);
      REQUIRE(array.is_array());
      chunks.assign(array.begin(), array.end());
    }
    REQUIRE(chunks.size() == 5 + 1);
    std::string text;
    for (const auto& chunk : chunks)
      text += text_of(chunk);
    CHECK(text == plain);
    CHECK_FALSE(chunks[0]["candidates"][0].contains("finishReason"));
    CHECK(chunks.back()["candidates"][0]["finishReason"] == "STOP");
    CHECK(chunks.back()["usageMetadata"]["candidatesTokenCount"] == 5);
  }
}

TEST_CASE("gemini sim: functionCall parts, allowedFunctionNames and mode NONE are obeyed") {
  auto sim = start({fixed_model("google:gemini-x", 5, 7)});
  const auto url = url_of(*sim, "gemini-x", "generateContent");
  json with_tools = ask;
  with_tools["tools"] = two_tools;
  auto r = post_json(url, with_tools);
  const auto& parts = r["candidates"][0]["content"]["parts"];
  REQUIRE(parts.size() == 2);
  CHECK(parts[0]["functionCall"]["name"] == "get_weather");
  CHECK(parts[0]["functionCall"]["args"] == json({{"city", "sim"}, {"days", 1}}));
  CHECK(parts[1]["functionCall"]["name"] == "get_time");

  with_tools["toolConfig"] = {
      {"functionCallingConfig", {{"mode", "ANY"}, {"allowedFunctionNames", {"get_time"}}}}};
  auto only = post_json(url, with_tools)["candidates"][0]["content"]["parts"];
  REQUIRE(only.size() == 1);
  CHECK(only[0]["functionCall"]["name"] == "get_time");
  with_tools["tool_config"] = {{"function_calling_config", {{"mode", "NONE"}}}};  // snake_case
  with_tools.erase("toolConfig");
  CHECK(post_json(url, with_tools)["candidates"][0]["content"]["parts"][0].contains("text"));

  with_tools.erase("tool_config");  // after a functionResponse: text
  with_tools["contents"].push_back({{"role", "model"}, {"parts", {parts[0]}}});
  with_tools["contents"].push_back(
      {{"role", "user"},
       {"parts", {{{"functionResponse", {{"name", "get_weather"}, {"response", {{"ok", 1}}}}}}}}});
  CHECK(post_json(url, with_tools)["candidates"][0]["content"]["parts"][0].contains("text"));
}

TEST_CASE("gemini sim: errors in Gemini's shape, naming what is wrong") {
  auto sim = start({fixed_model("google:gemini-x", 5, 7)});
  auto refused = [&](const std::string& url, const json& body, int status, const std::string& state,
                     const std::string& names) {
    INFO(url << " " << body.dump());
    auto e = post_json(url, body, status);
    CHECK(e["error"]["code"] == status);
    CHECK(e["error"]["status"] == state);
    CHECK(e["error"]["message"].get<std::string>().find(names) != std::string::npos);
  };
  const auto url = url_of(*sim, "gemini-x", "generateContent");
  refused(url, {{"contents", json::array()}}, 400, "INVALID_ARGUMENT", "contents");
  json b = ask;
  b["contents"][0]["parts"] = json::array();
  refused(url, b, 400, "INVALID_ARGUMENT", "contents[0].parts");
  b = ask;
  b["generationConfig"] = {{"maxOutputTokens", "many"}};
  refused(url, b, 400, "INVALID_ARGUMENT", "generationConfig.maxOutputTokens");
  refused(url_of(*sim, "gemini-9", "generateContent"), ask, 404, "NOT_FOUND", "gemini-9");
  refused(url_of(*sim, "gemini-x", "countTokens"), ask, 404, "NOT_FOUND", "countTokens");
}

TEST_CASE("gemini sim: maxOutputTokens cuts the answer short: MAX_TOKENS") {
  auto sim = start({fixed_model("google:gemini-x", 5, 7)});
  json b = ask;
  b["generation_config"] = {{"max_output_tokens", 3}};
  auto r = post_json(url_of(*sim, "gemini-x", "generateContent"), b);
  CHECK(r["candidates"][0]["finishReason"] == "MAX_TOKENS");
  CHECK(r["usageMetadata"]["candidatesTokenCount"] == 3);
}
