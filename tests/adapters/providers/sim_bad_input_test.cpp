// Nothing a client sends takes the simulator down: every field of every
// format replaced by values of every type, nesting past the bound, bodies
// past the size bound. Each is answered (200, 400 or 404), never a 500 or
// a dropped connection.

#include <catch2/catch.hpp>

#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

struct endpoint {
  std::string path;  // after the root
  json body;
  std::vector<std::string> headers;
};

std::vector<endpoint> endpoints() {
  const json message = {{"role", "user"}, {"content", "hi"}};
  const json tool = {{"type", "function"},
                     {"function", {{"name", "f"}, {"parameters", {{"required", {"a"}}}}}}};
  return {
      {"/v1/chat/completions",
       {{"model", "m"},
        {"messages", {message}},
        {"tools", {tool}},
        {"max_tokens", 3},
        {"tool_choice", "auto"},
        {"parallel_tool_calls", true},
        {"stream", false}},
       {}},
      {"/v1/messages",
       {{"model", "m"},
        {"max_tokens", 3},
        {"messages", {message}},
        {"system", "x"},
        {"tools", {{{"name", "f"}, {"input_schema", {{"type", "object"}}}}}},
        {"tool_choice", {{"type", "any"}}}},
       anthropic_headers},
      {"/v1beta/models/m:generateContent",
       {{"contents", {{{"parts", {{{"text", "hi"}}}}}}},
        {"tools", {{{"functionDeclarations", {{{"name", "f"}}}}}}},
        {"toolConfig", {{"functionCallingConfig", {{"mode", "ANY"}}}}},
        {"generationConfig", {{"maxOutputTokens", 3}}}},
       {}},
      {"/api/chat",
       {{"model", "m"},
        {"messages", {message}},
        {"tools", {tool}},
        {"stream", false},
        {"options", {{"num_predict", 3}}}},
       {}},
  };
}

}  // namespace

TEST_CASE("bad input: any field of any type is answered, never a 500") {
  auto sim = start({fixed_model("openai:m", 1, 3)});
  const std::vector<json> values = {nullptr,
                                    0,
                                    -1,
                                    1e300,
                                    18446744073709551615ULL,
                                    "x",
                                    true,
                                    json::array(),
                                    json::object(),
                                    json::array({json::array()}),
                                    json::parse(R"({"a": [{"b": null}]})")};
  for (const auto& e : endpoints()) {
    for (const auto& [key, _] : e.body.items()) {
      for (const auto& v : values) {
        json body = e.body;
        body[key] = v;
        auto c = post(root_of(*sim) + e.path, body.dump(), e.headers);
        INFO(e.path << " " << body.dump() << " -> " << c.result.status << " " << c.body);
        CHECK((c.result.status == 200 || c.result.status == 400 || c.result.status == 404));
      }
      json without = e.body;
      without.erase(key);
      auto c = post(root_of(*sim) + e.path, without.dump(), e.headers);
      CHECK((c.result.status == 200 || c.result.status == 400));
    }
  }
  CHECK(stats(*sim, "until_open=0")["open"] == 0);
}

TEST_CASE("bad input: nesting past 64 is refused before anything recursive runs") {
  auto sim = start({fixed_model("openai:m", 1, 3)});
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const auto& e : endpoints()) {
    INFO(e.path);
    json body = e.body;
    auto text = body.dump();
    text.insert(text.size() - 1, R"(,"deep":)" + deep);  // a member nested 100000 deep
    auto c = post(root_of(*sim) + e.path, text, e.headers);
    CHECK(c.result.status == 400);
    CHECK(c.body.find("deep") != std::string::npos);  // names the member
  }
  auto admin = test::http_post_json(root_of(*sim) + "/admin/faults", deep);
  CHECK(admin.status == 400);
  CHECK(test::http_post_json(root_of(*sim) + "/admin/models/m", deep).status == 400);
}

TEST_CASE("bad input: a body past 4 MiB is refused with 413, and the simulator goes on") {
  auto sim = start({fixed_model("openai:m", 1, 3)});
  const std::string big = R"({"model":"m","pad":")" + std::string(5u << 20, 'x') + "\"}";
  CHECK(test::http_post_json(sim->base_url() + "/chat/completions", big).status == 413);
  CHECK(test::http_post_json(sim->base_url() + "/chat/completions",
                             R"({"model":"m","messages":[{"role":"user","content":"x"}]})")
            .status == 200);
}
