// Issue 14, the cache: identical requests are answered once. A repeat is
// served from the cache (streamed or not, whichever way the first came),
// identical requests in flight share one upstream call, opting out and
// sampled answers bypass it, entries expire, hits cost nothing in the
// statistics, and a Redis shared by two daemons is a second level that may
// go away without failing a request.

#include <catch2/catch.hpp>

#include <future>
#include <set>

#include "daemon_fixture.hpp"
#include "tests/support/redis_server.hpp"

using namespace llmopt::test;
using nlohmann::json;

namespace {

// alpha:a1 answers at once; alpha:slow takes about two seconds, so that
// requests sent together are in flight together.
const std::string sim_models =
    R"([{"id":"alpha:a1","price_in_per_mtok":1,"price_out_per_mtok":2,)"
    R"("latency_ms":{"median":5,"p95":10},"error_rate":0,"quality":0.8},)"
    R"({"id":"alpha:slow","price_in_per_mtok":1,"price_out_per_mtok":2,)"
    R"("latency_ms":{"median":2000,"p95":2100},"error_rate":0,"quality":0.8}])";

std::string config(const sim_process& sim, const std::string& cache_table) {
  return R"(state_dir = "${STATE_DIR}"
[http]
listen = "127.0.0.1:0"
threads = 4
[auth]
required = false
[decision]
tick_ms = 200
down_min_calls = 1000
[cache]
)" + cache_table +
         R"(
[[providers]]
name = "alpha"
kind = "openai"
base_url = ")" +
         sim.root() +
         R"(/v1"
timeout_ms = 10000
[[providers]]
name = "impatient"
kind = "openai"
base_url = ")" +
         sim.root() +
         R"(/v1"
timeout_ms = 1000
[[models]]
id = "alpha:a1"
price_in_per_mtok = 500
price_out_per_mtok = 1000
[[models]]
id = "alpha:slow"
[[models]]
id = "impatient:a1"
[[routes]]
name = "chat"
candidates = ["alpha:a1"]
[[routes]]
name = "creative"
candidates = ["alpha:a1"]
[[routes]]
name = "metered"
candidates = ["alpha:a1"]
budget_usd = 100.0
budget_period = "day"
)";
}

// A chat request: temperature 0 unless `extra` says otherwise.
std::string request(const std::string& model, const std::string& content, json extra = {}) {
  json body = {{"model", model},
               {"temperature", 0},
               {"messages", {{{"role", "user"}, {"content", content}}}}};
  for (auto& [k, v] : extra.items())
    body[k] = v;
  return body.dump();
}

http_response post(const std::string& url, const std::string& body,
                   std::vector<std::string> headers = {}, long timeout_ms = 10000) {
  headers.push_back("Content-Type: application/json");
  return http_request("POST", url + "/v1/chat/completions", body, headers, timeout_ms);
}

// The data events of an SSE body, parsed, up to [DONE].
std::vector<json> events(const std::string& body) {
  std::vector<json> out;
  std::size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    auto end = body.find('\n', at);
    auto data = body.substr(at + 6, end - at - 6);
    at = end;
    if (data == "[DONE]") break;
    out.push_back(json::parse(data));
  }
  return out;
}

// The answer's text, streamed or not.
std::string content_of(const http_response& r) {
  if (r.headers.count("content-type") && r.headers.at("content-type") == "text/event-stream") {
    std::string text;
    for (const auto& e : events(r.body))
      if (e.contains("choices") && !e["choices"].empty())
        text += e["choices"][0]["delta"].value("content", "");
    return text;
  }
  return json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>();
}

bool ended_cleanly(const http_response& r) {
  return r.body.find("data: [DONE]") != std::string::npos;
}

struct cached_gateway {
  temp_dir dir;
  sim_process sim{dir, "models", sim_models};
  running_daemon daemon;

  explicit cached_gateway(const std::string& cache_table = "sampled_routes = [\"creative\"]")
      : daemon(config(sim, cache_table)) {}

  http_response chat(const std::string& body, std::vector<std::string> headers = {}) {
    auto r = post(daemon.url(), body, std::move(headers));
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r;
  }
  long long sim_requests() { return sim.stats()["requests"].get<long long>(); }
  json cache() {
    auto r = http_get(daemon.url() + "/admin/v1/cache");
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
};

}  // namespace

TEST_CASE("the second identical request is a hit: the same answer, no upstream call") {
  cached_gateway t;
  auto first = t.chat(request("chat", "what is a cache?"));
  CHECK(first.headers["x-llmopt-cache"] == "miss");
  const long long calls = t.sim_requests();
  auto second = t.chat(request("chat", "what is a cache?", {{"user", "someone-else"}}));
  CHECK(second.headers["x-llmopt-cache"] == "hit");
  CHECK(t.sim_requests() == calls);
  CHECK(content_of(second) == content_of(first));
  CHECK(json::parse(second.body)["id"] != json::parse(first.body)["id"]);
  CHECK(second.headers["x-llmopt-route"] == "chat");
  CHECK(second.headers["x-llmopt-model"] == "alpha:a1");

  auto other = t.chat(request("chat", "what is a cache, really?"));
  CHECK(other.headers["x-llmopt-cache"] == "miss");
  CHECK(t.sim_requests() == calls + 1);
  auto stats = t.cache();
  CHECK(stats["hits"] == 1);
  CHECK(stats["misses"] == 2);
  CHECK(stats["entries"] == 2);
  CHECK(stats["bytes"].get<long long>() > 0);
}

TEST_CASE("a streaming request replays a plain answer, and a plain request a streamed one") {
  cached_gateway t;
  auto plain = t.chat(request("chat", "first plain"));
  const long long calls = t.sim_requests();
  auto replayed = t.chat(request(
      "chat", "first plain", {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  CHECK(replayed.headers["x-llmopt-cache"] == "hit");
  CHECK(replayed.headers["content-type"] == "text/event-stream");
  CHECK(ended_cleanly(replayed));
  CHECK(content_of(replayed) == content_of(plain));
  auto chunks = events(replayed.body);
  REQUIRE(!chunks.empty());
  CHECK(chunks.back()["choices"].empty());  // the usage chunk, asked for
  CHECK(chunks.back()["usage"] == json::parse(plain.body)["usage"]);

  auto streamed = t.chat(request("chat", "first streamed", {{"stream", true}}));
  CHECK(streamed.headers["x-llmopt-cache"] == "miss");
  REQUIRE(ended_cleanly(streamed));
  auto from_stream = t.chat(request("chat", "first streamed"));
  CHECK(from_stream.headers["x-llmopt-cache"] == "hit");
  CHECK(content_of(from_stream) == content_of(streamed));
  CHECK(t.sim_requests() == calls + 1);
}

TEST_CASE("Cache-Control: no-store bypasses both the lookup and the store") {
  cached_gateway t;
  t.chat(request("chat", "stored"));
  const long long calls = t.sim_requests();
  auto bypassed = t.chat(request("chat", "stored"), {"Cache-Control: no-store"});
  CHECK(bypassed.headers["x-llmopt-cache"] == "bypass");
  CHECK(t.sim_requests() == calls + 1);

  t.chat(request("chat", "never stored"), {"Cache-Control: no-store"});
  auto after = t.chat(request("chat", "never stored"));
  CHECK(after.headers["x-llmopt-cache"] == "miss");
}

TEST_CASE("sampled answers are cached only on the routes that allow it") {
  cached_gateway t;
  const long long calls = t.sim_requests();
  for (const json& sampling : {json{{"temperature", 0.7}}, json{{"temperature", nullptr}}}) {
    auto body = json::parse(request("chat", "tell me a story"));
    if (sampling["temperature"].is_null())
      body.erase("temperature");  // every provider's default is above 0
    else
      body["temperature"] = sampling["temperature"];
    CHECK(t.chat(body.dump()).headers["x-llmopt-cache"] == "bypass");
    CHECK(t.chat(body.dump()).headers["x-llmopt-cache"] == "bypass");
  }
  CHECK(t.sim_requests() == calls + 4);

  const auto creative = request("creative", "tell me a story", {{"temperature", 0.7}});
  CHECK(t.chat(creative).headers["x-llmopt-cache"] == "miss");
  CHECK(t.chat(creative).headers["x-llmopt-cache"] == "hit");
  CHECK(t.sim_requests() == calls + 5);
}

TEST_CASE("an answer is served until its TTL, then asked for again") {
  cached_gateway t("ttl_s = 1");
  const auto body = request("chat", "short-lived");
  t.chat(body);
  CHECK(t.chat(body).headers["x-llmopt-cache"] == "hit");
  CHECK(eventually([&] { return post(t.daemon.url(), body).headers["x-llmopt-cache"] == "miss"; }));
}

TEST_CASE("identical requests in flight together make one upstream call") {
  cached_gateway t;
  const long long calls = t.sim_requests();
  const auto body = request("alpha:slow", "all at once");
  std::vector<std::future<http_response>> answers;
  for (int i = 0; i < 6; ++i)
    answers.push_back(std::async(std::launch::async, [&] { return post(t.daemon.url(), body); }));
  std::set<std::string> contents, ids;
  for (auto& a : answers) {
    auto r = a.get();
    INFO(r.body);
    REQUIRE(r.status == 200);
    contents.insert(content_of(r));
    ids.insert(json::parse(r.body)["id"].get<std::string>());
  }
  CHECK(t.sim_requests() == calls + 1);
  CHECK(contents.size() == 1);
  CHECK(ids.size() == 6);  // each answer has its own id
  auto stats = t.cache();
  CHECK(stats["misses"] == 1);
  CHECK(stats["joins"].get<long long>() + stats["hits"].get<long long>() == 5);
  CHECK(stats["joins"].get<long long>() >= 1);
  CHECK(stats["in_flight"] == 0);
}

TEST_CASE("a streaming request joining a call in flight gets the chunks so far, then the rest") {
  cached_gateway t;
  const auto streamed = request("alpha:slow", "stream together", {{"stream", true}});
  auto leader = std::async(std::launch::async, [&] { return post(t.daemon.url(), streamed); });
  REQUIRE(t.sim.stats("until_open=1&timeout_ms=5000")["open"] == 1);
  auto stream_follower = post(t.daemon.url(), streamed);
  auto plain_follower = post(t.daemon.url(), request("alpha:slow", "stream together"));
  auto first = leader.get();
  REQUIRE(first.status == 200);
  REQUIRE(stream_follower.status == 200);
  REQUIRE(plain_follower.status == 200);
  CHECK(ended_cleanly(stream_follower));
  CHECK(content_of(stream_follower) == content_of(first));
  CHECK(content_of(plain_follower) == content_of(first));
  CHECK(stream_follower.headers["x-llmopt-cache"] == "hit");
  CHECK(t.sim.stats()["requests"] == 1);
}

TEST_CASE(
    "a call goes on for the others when its first client leaves, and stops when nobody is left") {
  cached_gateway t;
  SECTION("the leader's client leaves, the follower still gets the answer") {
    const auto body = request("alpha:slow", "leader leaves");
    auto leader =
        std::async(std::launch::async, [&] { return post(t.daemon.url(), body, {}, 500); });
    REQUIRE(t.sim.stats("until_open=1&timeout_ms=5000")["open"] == 1);
    auto follower = post(t.daemon.url(), body);
    CHECK(leader.get().status == 0);  // timed out: gone
    CHECK(follower.status == 200);
    CHECK(t.sim.stats()["requests"] == 1);
    CHECK(t.sim.stats()["abandoned"] == 0);
  }
  SECTION("every client leaves: the upstream call is cancelled") {
    t.sim.inject({{"kind", "stall"}, {"count", 1}});
    const auto body = request("alpha:a1", "everyone leaves");
    auto leader =
        std::async(std::launch::async, [&] { return post(t.daemon.url(), body, {}, 500); });
    REQUIRE(t.sim.stats("until_open=1&timeout_ms=5000")["open"] == 1);
    CHECK(post(t.daemon.url(), body, {}, 1000).status == 0);
    CHECK(leader.get().status == 0);
    auto stats = t.sim.stats("until_open=0&timeout_ms=5000");
    CHECK(stats["open"] == 0);
    CHECK(stats["abandoned"] == 1);
    CHECK(stats["requests"] == 1);
  }
}

TEST_CASE("a shared call that fails fails every request that shared it, once") {
  cached_gateway t;
  t.sim.inject({{"kind", "cut"}, {"after_tokens", 2}, {"count", 1}});
  const auto body = request("alpha:slow", "doomed", {{"stream", true}});
  auto leader = std::async(std::launch::async, [&] { return post(t.daemon.url(), body); });
  REQUIRE(t.sim.stats("until_open=1&timeout_ms=5000")["open"] == 1);
  auto follower = post(t.daemon.url(), body);
  auto first = leader.get();
  for (const auto* r : {&first, &follower}) {
    CHECK(r->status == 200);  // the streams had begun
    CHECK_FALSE(ended_cleanly(*r));
    CHECK(r->body.find("upstream_stream_failed") != std::string::npos);
  }
  CHECK(t.sim.stats()["requests"] == 1);
  // A cut answer is never stored.
  auto again = post(t.daemon.url(), body);
  CHECK(again.headers["x-llmopt-cache"] == "miss");
  CHECK(ended_cleanly(again));
}

TEST_CASE("a plain request that joined a call gets the same error when the call fails") {
  cached_gateway t;
  t.sim.inject({{"kind", "stall"}, {"count", 1}});
  const auto body = request("impatient:a1", "never answered");  // times out after 1 s
  auto leader = std::async(std::launch::async, [&] { return post(t.daemon.url(), body); });
  REQUIRE(t.sim.stats("until_open=1&timeout_ms=5000")["open"] == 1);
  auto follower = post(t.daemon.url(), body);
  auto first = leader.get();
  CHECK(first.status == 504);
  CHECK(follower.status == 504);
  CHECK(json::parse(follower.body)["error"] == json::parse(first.body)["error"]);
  CHECK(t.sim.stats()["requests"] == 1);
  CHECK(t.cache()["joins"] == 1);
}

TEST_CASE("a hit creates no statistics") {
  cached_gateway t;
  auto calls = [&] { return t.daemon.models()["alpha:a1"]["lifetime"].value("calls", 0LL); };
  const long long before = calls();
  t.chat(request("alpha:a1", "counted once"));
  REQUIRE(eventually([&] { return calls() == before + 1; }));
  CHECK(t.chat(request("alpha:a1", "counted once")).headers["x-llmopt-cache"] == "hit");
  // A bypassed call after the hit: once it is counted, so would the hit be.
  t.chat(request("alpha:a1", "counted once"), {"Cache-Control: no-store"});
  REQUIRE(eventually([&] { return calls() >= before + 2; }));
  CHECK(calls() == before + 2);
}

TEST_CASE("a hit bills nothing: the budget's spending is unchanged and nothing stays reserved") {
  cached_gateway t;
  auto budget = [&] {
    auto r = http_get(t.daemon.url() + "/admin/v1/budgets");
    REQUIRE(r.status == 200);
    const auto body = json::parse(r.body);
    for (const auto& b : body["budgets"])
      if (b["scope"] == "route:metered") return b;
    FAIL("no budget route:metered in " << r.body);
    return json();
  };
  auto settled = [&] { return budget()["reserved_usd"].get<double>() == 0; };
  t.chat(request("metered", "priced"));
  REQUIRE(eventually(settled));
  const double spent = budget()["spent_usd"].get<double>();
  REQUIRE(spent > 0);
  CHECK(t.chat(request("metered", "priced")).headers["x-llmopt-cache"] == "hit");
  REQUIRE(eventually(settled));
  CHECK(budget()["spent_usd"].get<double>() == spent);
}

TEST_CASE("/v1/messages is served from the cache too") {
  cached_gateway t;
  const std::string body = R"({"model":"chat","max_tokens":50,"temperature":0,)"
                           R"("messages":[{"role":"user","content":"hello from anthropic"}]})";
  auto send = [&] {
    auto r = http_request("POST", t.daemon.url() + "/v1/messages", body,
                          {"Content-Type: application/json"});
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r;
  };
  auto first = send();
  CHECK(first.headers["x-llmopt-cache"] == "miss");
  auto second = send();
  CHECK(second.headers["x-llmopt-cache"] == "hit");
  CHECK(json::parse(second.body)["content"] == json::parse(first.body)["content"]);
  CHECK(json::parse(second.body)["type"] == "message");
  CHECK(t.sim.stats()["requests"] == 1);
}

TEST_CASE("a Redis shared by two daemons is a second level, and Redis gone is only a miss") {
  redis_server redis;
  cached_gateway a("redis = \"" + redis.address() + "\"");
  const auto table = "redis = \"redis://" + redis.address() + "\"\nredis_timeout_ms = 200";
  running_daemon b(config(a.sim, table));
  const auto body = request("chat", "shared between instances");
  a.chat(body);
  const long long calls = a.sim_requests();
  // The store to Redis is asynchronous: await it there.
  REQUIRE(eventually([&] {
    auto keys = run({"redis-cli", "-p", std::to_string(redis.port()), "DBSIZE"});
    return keys.exit_code == 0 && keys.out.find("1") == 0;
  }));
  auto from_b = post(b.url(), body);
  REQUIRE(from_b.status == 200);
  CHECK(from_b.headers["x-llmopt-cache"] == "hit");
  CHECK(a.sim_requests() == calls);
  auto l2 = json::parse(http_get(b.url() + "/admin/v1/cache").body)["l2"];
  CHECK(l2["configured"] == true);
  CHECK(l2["hits"] == 1);

  redis.kill();
  const auto after = request("chat", "asked while Redis is down");
  auto down = post(b.url(), after);
  CHECK(down.status == 200);
  CHECK(down.headers["x-llmopt-cache"] == "miss");
  CHECK(post(b.url(), after).headers["x-llmopt-cache"] == "hit");  // L1 still works
  CHECK(post(a.daemon.url(), after).status == 200);
  l2 = json::parse(http_get(b.url() + "/admin/v1/cache").body)["l2"];
  CHECK(l2["errors"].get<long long>() >= 1);
}

TEST_CASE("a tool-call answer is cached and replayed with its calls") {
  cached_gateway t;
  const json tools =
      json::array({{{"type", "function"},
                    {"function",
                     {{"name", "get_weather"},
                      {"parameters",
                       {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}}}}}});
  auto plain = t.chat(request("chat", "weather in Paris?", {{"tools", tools}}));
  const auto message = json::parse(plain.body)["choices"][0]["message"];
  REQUIRE(message["tool_calls"].size() == 1);
  const long long calls = t.sim_requests();

  auto streamed =
      t.chat(request("chat", "weather in Paris?", {{"tools", tools}, {"stream", true}}));
  CHECK(streamed.headers["x-llmopt-cache"] == "hit");
  CHECK(ended_cleanly(streamed));
  std::string name, arguments, finish;
  for (const auto& e : events(streamed.body)) {
    if (e["choices"].empty()) continue;
    const auto& choice = e["choices"][0];
    if (choice["finish_reason"].is_string()) finish = choice["finish_reason"];
    for (const auto& call : choice["delta"].value("tool_calls", json::array())) {
      name += call["function"].value("name", "");
      arguments += call["function"].value("arguments", "");
    }
  }
  CHECK(name == message["tool_calls"][0]["function"]["name"]);
  CHECK(arguments == message["tool_calls"][0]["function"]["arguments"]);
  CHECK(finish == "tool_calls");
  CHECK(t.sim_requests() == calls);
}
