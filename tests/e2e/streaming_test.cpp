// Issue 13, part 3: streaming end to end through every wire format. Faults
// are injected by the provider simulator: before the first token they move
// the request to the next candidate invisibly; after it they reach the
// client as an error event, never a clean [DONE], and count as failed calls.

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "daemon_fixture.hpp"
#include "tests/support/raw_socket.hpp"

using namespace llmopt::test;
using json = nlohmann::json;

namespace {

const char* const formats[] = {"openai", "anthropic", "gemini", "ollama"};

std::string models_json(const std::string& extra = {}) {
  json models = json::array();
  for (const char* f : formats)
    for (int i = 1; i <= 2; ++i)
      models.push_back({{"id", std::string(f).substr(0, 2) + ":" + f + std::to_string(i)},
                        {"price_in_per_mtok", 1},
                        {"price_out_per_mtok", 2},
                        {"latency_ms", {{"median", 20}, {"p95", 40}}},
                        {"error_rate", 0},
                        {"quality", 0.8},
                        {"output_tokens", 20}});
  if (!extra.empty()) models.push_back(json::parse(extra));
  return models.dump();
}

// A provider per format on one simulator, a route per format over its two
// models ("r-openai", ...).
std::string config(const sim_process& sim, const std::string& extra = {}) {
  std::string c = R"(state_dir = "${STATE_DIR}"
[http]
listen = "127.0.0.1:0"
[auth]
required = false
[decision]
tick_ms = 200
down_min_calls = 1000
)";
  for (const char* f : formats) {
    const std::string name = std::string(f).substr(0, 2);
    const std::string base = std::string(f) == "gemini"   ? "/v1beta"
                             : std::string(f) == "ollama" ? ""
                                                          : "/v1";
    c += "[[providers]]\nname = \"" + name + "\"\nkind = \"" + f + "\"\nbase_url = \"" +
         sim.root() + base + "\"\ntimeout_ms = 1000\n";
    for (int i = 1; i <= 2; ++i)
      c += "[[models]]\nid = \"" + name + ":" + f + std::to_string(i) + "\"\n";
    c += "[[routes]]\nname = \"r-" + std::string(f) + "\"\ncandidates = [\"" + name + ":" + f +
         "1\", \"" + name + ":" + f + "2\"]\n";
  }
  return c + extra;
}

// The data payloads of a server-sent event stream, in order.
std::vector<std::string> events_of(const std::string& body) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    auto end = body.find("\n\n", at);
    out.push_back(body.substr(at + 6, end - at - 6));
    at = end;
  }
  return out;
}

struct streamed {
  http_response response;
  std::vector<json> chunks;  // every data event but [DONE]
  bool done = false;         // ended with data: [DONE]
  std::string text;          // the content deltas joined
  std::optional<json> error;
  bool usage = false;
};

streamed stream(running_daemon& d, const std::string& route, bool include_usage = false) {
  json body = {{"model", route},
               {"stream", true},
               {"messages", {{{"role", "user"}, {"content", "stream to me"}}}}};
  if (include_usage) body["stream_options"] = {{"include_usage", true}};
  streamed s;
  s.response = http_post_json(d.url() + "/v1/chat/completions", body.dump());
  for (const auto& e : events_of(s.response.body)) {
    if (e == "[DONE]") {
      s.done = true;
      continue;
    }
    auto j = json::parse(e);
    if (j.contains("error")) s.error = j["error"];
    if (j.contains("usage")) s.usage = true;
    if (j.contains("choices") && !j["choices"].empty())
      if (auto c = j["choices"][0]["delta"].value("content", json()); c.is_string())
        s.text += c.get<std::string>();
    s.chunks.push_back(std::move(j));
  }
  return s;
}

long long errors_of(running_daemon& d, const std::string& model) {
  return d.models()[model]["lifetime"].value("errors", 0LL);
}

}  // namespace

TEST_CASE("streams from every wire format arrive as chat.completion.chunk ending in [DONE]") {
  temp_dir dir;
  sim_process sim(dir, "models", models_json());
  running_daemon d(config(sim));
  for (const char* f : formats) {
    INFO("format " << f);
    auto s = stream(d, std::string("r-") + f);
    REQUIRE(s.response.status == 200);
    CHECK(s.response.headers["content-type"] == "text/event-stream");
    CHECK(s.done);
    CHECK_FALSE(s.error);
    CHECK(s.text.find("Simulated answer") == 0);
    CHECK_FALSE(s.usage);  // not asked for: stripped
    for (const auto& c : s.chunks)
      CHECK(c["object"] == "chat.completion.chunk");
    CHECK(s.chunks.back()["choices"][0]["finish_reason"] == "stop");

    auto with_usage = stream(d, std::string("r-") + f, true);
    REQUIRE(with_usage.done);
    REQUIRE(with_usage.usage);
    const auto& last = with_usage.chunks.back();
    CHECK(last["choices"].empty());
    CHECK(last["usage"]["completion_tokens"] == 20);
  }
  // Time to first token, the gap between tokens and tokens per second of
  // every streamed call reach the model's statistics.
  CHECK(eventually([&] {
    auto m = d.models();
    for (const char* f : formats) {
      const std::string prefix = std::string(f).substr(0, 2) + ":" + f;
      long long samples = 0;
      for (const char* i : {"1", "2"}) {
        const auto& w = m[prefix + i]["window"];
        samples += w.value("ttft_samples", 0LL);
        if (w.value("ttft_samples", 0LL) > 0 &&
            (!w["mean_ttft_ms"].is_number() || !w["mean_inter_token_ms"].is_number() ||
             !w["mean_output_tokens_per_s"].is_number()))
          return false;
      }
      if (samples < 2) return false;
    }
    return true;
  }));
  // The tokens of streams nobody asked usage for still reach the statistics.
  CHECK(eventually([&] {
    auto m = d.models();
    for (const char* f : formats) {
      const std::string prefix = std::string(f).substr(0, 2) + ":" + f;
      const double tokens = m[prefix + "1"]["lifetime"].value("output_tokens", 0.0) +
                            m[prefix + "2"]["lifetime"].value("output_tokens", 0.0);
      if (tokens < 40) return false;
    }
    return true;
  }));
}

// The default (http.threads = 1) runs the upstream calls on the HTTP thread;
// with more HTTP threads they run on a curl loop thread of their own.
TEST_CASE("with several HTTP threads answers and streams of every wire format arrive whole") {
  temp_dir dir;
  sim_process sim(dir, "models", models_json());
  std::string c = config(sim);
  const std::string listen = "listen = \"127.0.0.1:0\"\n";
  c.replace(c.find(listen), listen.size(), listen + "threads = 4\n");
  running_daemon d(c);
  for (const char* f : formats) {
    INFO("format " << f);
    auto s = stream(d, std::string("r-") + f);
    REQUIRE(s.response.status == 200);
    CHECK(s.done);
    CHECK_FALSE(s.error);
    CHECK(s.text.find("Simulated answer") == 0);
    json body = {{"model", std::string("r-") + f},
                 {"messages", {{{"role", "user"}, {"content", "answer me"}}}}};
    auto plain = http_post_json(d.url() + "/v1/chat/completions", body.dump());
    REQUIRE(plain.status == 200);
    auto answer = json::parse(plain.body);
    CHECK(answer["choices"][0]["message"]["content"].get<std::string>().find("Simulated answer") ==
          0);
    CHECK(answer["usage"]["completion_tokens"] == 20);
  }
}

TEST_CASE("before the first token a failing stream moves to the next candidate invisibly") {
  temp_dir dir;
  sim_process sim(dir, "models", models_json());
  running_daemon d(config(sim));
  for (const char* f : formats)
    for (const auto& fault : {json{{"kind", "status"}, {"status", 503}},
                              json{{"kind", "error_event"}, {"after_tokens", 0}},
                              json{{"kind", "cut"}, {"after_tokens", 0}}}) {
      INFO("format " << f << ", fault " << fault.dump());
      sim.inject(fault);
      auto s = stream(d, std::string("r-") + f);
      REQUIRE(s.response.status == 200);
      CHECK(s.response.headers["x-llmopt-attempts"] == "2");
      CHECK(s.done);
      CHECK_FALSE(s.error);
      CHECK(s.text.find("Simulated answer") == 0);
    }
}

TEST_CASE("after the first token a cut or an error event is an error event, never [DONE]") {
  temp_dir dir;
  sim_process sim(dir, "models", models_json());
  running_daemon d(config(sim));
  for (const char* f : formats)
    for (const auto& fault : {json{{"kind", "cut"}, {"after_tokens", 3}},
                              json{{"kind", "error_event"}, {"after_tokens", 3}},
                              json{{"kind", "stall"}, {"after_tokens", 2}}}) {
      INFO("format " << f << ", fault " << fault.dump());
      sim.inject(fault);
      auto s = stream(d, std::string("r-") + f);
      REQUIRE(s.response.status == 200);
      CHECK(s.response.headers["x-llmopt-attempts"] == "1");
      CHECK_FALSE(s.done);
      REQUIRE(s.error);
      CHECK((*s.error)["type"] == "upstream_error");
      CHECK(s.text.find("Simulated") == 0);  // what came before the failure was delivered
      const std::string model = s.response.headers["x-llmopt-model"];
      CHECK(eventually([&] { return errors_of(d, model) >= 1; }));  // a failed call
    }
  // Exactly one failed call per injected fault.
  CHECK(eventually([&] {
    long long errors = 0;
    const auto models = d.models();  // items() must not outlive the JSON it iterates
    for (const auto& entry : models)
      errors += entry["lifetime"].value("errors", 0LL);
    return errors == 12;
  }));
}
