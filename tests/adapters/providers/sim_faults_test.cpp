// Faults on demand (POST /admin/faults) and the stats a test awaits.

#include <catch2/catch.hpp>

#include <future>

#include "adapters/providers/sim_faults.hpp"
#include "tests/adapters/providers/sim_fixture.hpp"

using namespace llmopt;
using namespace llmopt::sim_test;

namespace {

json chat(bool stream) {
  return {{"model", "gpt"},
          {"stream", stream},
          {"messages", {{{"role", "user"}, {"content", "hello"}}}}};
}

std::string openai_url(const provider_sim& sim) {
  return sim.base_url() + "/chat/completions";
}

}  // namespace

TEST_CASE("status fault: the format's error shape at once, with Retry-After, streaming or not") {
  auto sim = start({fixed_model("openai:gpt", 1000, 5), fixed_model("anthropic:claude", 1000, 5)});
  add_fault(*sim, {{"model", "claude"}, {"kind", "status"}, {"status", 529}, {"count", 2}});
  add_fault(*sim, {{"kind", "status"}, {"status", 429}, {"retry_after_s", 2}});
  const json claude = {{"model", "claude"},
                       {"max_tokens", 5},
                       {"stream", true},
                       {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  for (int i = 0; i < 2; ++i) {
    auto c =
        post(sim->base_url(sim_format::anthropic) + "/messages", claude.dump(), anthropic_headers);
    CHECK(c.result.status == 529);
    CHECK(c.result.latency_ms < 500);  // before the drawn latency of 1 s
    CHECK(json::parse(c.body)["error"]["type"] == "overloaded_error");
  }
  auto limited = post(openai_url(*sim), chat(true).dump());  // the fault for any model
  CHECK(limited.result.status == 429);
  CHECK(limited.result.header("retry-after") == "2");
  CHECK(json::parse(limited.body)["error"]["message"].get<std::string>().find("429") !=
        std::string::npos);
  CHECK(post(openai_url(*sim), chat(false).dump()).result.status == 200);  // all used up
}

TEST_CASE("cut fault: the stream stops after N tokens without its end, a plain body halfway") {
  auto sim = start({fixed_model("openai:gpt", 5, 9)});
  add_fault(*sim, {{"kind", "cut"}, {"after_tokens", 3}});
  auto c = post(openai_url(*sim), chat(true).dump());
  CHECK(c.result.status == 0);  // the transfer ended before the response did
  CHECK_FALSE(c.result.error.empty());
  CHECK(c.body.find("[DONE]") == std::string::npos);
  CHECK(std::count(c.body.begin(), c.body.end(), '\n') == 2 * (1 + 3));

  add_fault(*sim, {{"kind", "cut"}});
  auto plain = post(openai_url(*sim), chat(false).dump());
  CHECK(plain.result.status == 0);
  CHECK_FALSE(plain.body.empty());
  CHECK(json::parse(plain.body, nullptr, false).is_discarded());
}

TEST_CASE("error_event fault: the format's in-stream error, then the end of the response") {
  auto sim = start({fixed_model("anthropic:claude", 5, 9), fixed_model("google:gem", 5, 9),
                    fixed_model("ollama:llama", 5, 9)});
  add_fault(*sim, {{"model", "claude"}, {"kind", "error_event"}, {"after_tokens", 2}});
  const json claude = {{"model", "claude"},
                       {"max_tokens", 50},
                       {"stream", true},
                       {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  auto a =
      post(sim->base_url(sim_format::anthropic) + "/messages", claude.dump(), anthropic_headers);
  REQUIRE(a.result.status == 200);
  auto events = sse_events(a.body);
  CHECK(events.back().name == "error");
  CHECK(json::parse(events.back().data)["error"]["type"] == "overloaded_error");
  CHECK(std::count_if(events.begin(), events.end(),
                      [](const sse_event& e) { return e.name == "content_block_delta"; }) == 2);

  add_fault(*sim, {{"model", "gem"}, {"kind", "error_event"}, {"after_tokens", 1}});
  auto g = post(sim->base_url(sim_format::gemini) + "/models/gem:streamGenerateContent",
                R"({"contents":[{"parts":[{"text":"hi"}]}]})");
  REQUIRE(g.result.status == 200);
  auto array = json::parse(g.body);  // still a JSON array, its last element the error
  REQUIRE(array.size() == 2);
  CHECK(array[1]["error"]["code"] == 500);
  CHECK(array[1]["error"]["status"] == "INTERNAL");

  add_fault(*sim, {{"model", "llama"}, {"kind", "error_event"}, {"after_tokens", 0}});
  auto o = post(sim->base_url(sim_format::ollama) + "/api/chat",
                R"({"model":"llama","messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(o.result.status == 200);
  auto lines = ndjson_lines(o.body);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["error"].is_string());
}

TEST_CASE("stall fault: nothing more is sent, the request is open until the client goes away") {
  auto sim = start({fixed_model("openai:gpt", 5, 9)});
  add_fault(*sim, {{"kind", "stall"}, {"after_tokens", 1}});
  curl_loop loop;
  std::promise<void> first_bytes;
  auto got = std::make_shared<std::string>();
  curl_loop::http_call call;
  call.url = openai_url(*sim);
  call.body = chat(true).dump();
  call.headers = {"Content-Type: application/json"};
  call.on_body = [got, &first_bytes, seen = false](std::string_view bytes) mutable {
    got->append(bytes);
    if (!seen && got->find("Simulated") != std::string::npos) {
      seen = true;
      first_bytes.set_value();
    }
    return true;
  };
  std::promise<curl_loop::http_result> done;
  const auto id = loop.submit(std::move(call),
                              [&done](curl_loop::http_result r) { done.set_value(std::move(r)); });
  REQUIRE(first_bytes.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto stalled = stats(*sim, "until_open=0&timeout_ms=300");
  CHECK(stalled["timed_out"] == true);  // still open: the simulator holds it
  CHECK(stalled["open"] == 1);
  loop.cancel(id);
  auto after = stats(*sim, "until_open=0&timeout_ms=5000");
  CHECK_FALSE(after.contains("timed_out"));
  CHECK(after["abandoned"] == 1);
  auto result = done.get_future().get();
  CHECK(result.cancelled);
  CHECK(got->find("[DONE]") == std::string::npos);
}

TEST_CASE("faults: listed, cleared, and refused naming the field") {
  auto sim = start({fixed_model("openai:gpt", 5, 9)});
  const auto url = root_of(*sim) + "/admin/faults";
  for (const auto& [body, field] : std::vector<std::pair<json, std::string>>{
           {{{"kind", "sometimes"}}, "kind"},
           {{{"kind", "status"}}, "status"},
           {{{"kind", "status"}, {"status", 200}}, "status"},
           {{{"kind", "cut"}, {"after_tokens", -1}}, "after_tokens"},
           {{{"kind", "cut"}, {"count", 0}}, "count"},
           {{{"kind", "cut"}, {"colour", "red"}}, "colour"}}) {
    INFO(body.dump());
    auto r = test::http_post_json(url, body.dump());
    CHECK(r.status == 400);
    CHECK(r.body.find(field) != std::string::npos);
  }
  CHECK(test::http_post_json(url, R"({"model": "nope", "kind": "cut"})").status == 404);
  add_fault(*sim, {{"model", "gpt"}, {"kind", "stall"}, {"count", 3}});
  auto listed = json::parse(test::http_get(url).body)["faults"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["model"] == "openai:gpt");
  CHECK(listed[0]["count"] == 3);
  auto cleared = test::http_request("DELETE", url);
  CHECK(json::parse(cleared.body)["cleared"] == 1);
  CHECK(post(openai_url(*sim), chat(false).dump()).result.status == 200);
}

TEST_CASE("stats: requests by format, until_open answers when the count is reached") {
  auto sim = start({fixed_model("openai:gpt", 400, 9), fixed_model("ollama:llama", 5, 3)});
  post_json(sim->base_url(sim_format::ollama) + "/api/chat",
            {{"model", "llama"}, {"stream", false}, {"messages", json::array()}});
  post_json(sim->base_url(sim_format::ollama) + "/api/chat", {{"model", "nope"}}, 404);
  curl_loop loop;  // one slow answer in flight
  std::promise<long> answered;
  curl_loop::http_call call;
  call.url = openai_url(*sim);
  call.body = chat(false).dump();
  call.headers = {"Content-Type: application/json"};
  loop.submit(std::move(call), [&](curl_loop::http_result r) { answered.set_value(r.status); });

  auto one = stats(*sim, "until_open=1&timeout_ms=5000");
  CHECK_FALSE(one.contains("timed_out"));
  CHECK(one["open"] == 1);
  auto none = stats(*sim, "until_open=0&timeout_ms=5000");
  CHECK_FALSE(none.contains("timed_out"));
  CHECK(answered.get_future().get() == 200);
  CHECK(none["requests"] == 3);
  CHECK(none["by_format"]["ollama"] == 2);
  CHECK(none["by_format"]["openai"] == 1);
  CHECK(none["abandoned"] == 0);
  CHECK(stats(*sim, "until_open=7&timeout_ms=20")["timed_out"] == true);
  CHECK(test::http_get(root_of(*sim) + "/admin/stats?until_open=x").status == 400);
}

TEST_CASE("a client that goes away while its answer waits is counted as abandoned") {
  auto sim = start({fixed_model("openai:gpt", 5000, 9)});
  curl_loop loop;
  curl_loop::http_call call;
  call.url = openai_url(*sim);
  call.body = chat(false).dump();
  call.headers = {"Content-Type: application/json"};
  std::promise<void> done;
  const auto id = loop.submit(std::move(call), [&](curl_loop::http_result) { done.set_value(); });
  REQUIRE(stats(*sim, "until_open=1&timeout_ms=5000")["open"] == 1);
  loop.cancel(id);
  auto after = stats(*sim, "until_open=0&timeout_ms=5000");
  CHECK_FALSE(after.contains("timed_out"));
  CHECK(after["abandoned"] == 1);
  done.get_future().wait();
}
