// `make run` starts `llmopt serve` on the example configuration: it must
// serve with no API keys (simulated providers) and an embedded broker.
// Environment overrides move it off port 8080 and into a scratch directory.

#include <catch2/catch.hpp>

#include <csignal>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

TEST_CASE("serve with no --config runs the built-in example and answers on every route") {
  temp_dir dir;
  child_process serve({LLMOPT_BINARY, "serve"},
                      {"LLMOPT_HTTP_LISTEN=127.0.0.1:0", "LLMOPT_STATE_DIR=" + dir.path()});
  std::string url;
  auto ready = serve.await_line(
      [&](const std::string& line) {
        auto at = line.find("gateway listening on ");
        if (at != std::string::npos) url = line.substr(at + 21);
        return line == "llmopt: ready";
      },
      std::chrono::seconds(30));
  INFO(serve.out() << serve.err());
  REQUIRE(ready);
  for (const char* format : {"(openai)", "(anthropic)", "(gemini)", "(ollama)"})
    REQUIRE(serve.out().find(format) != std::string::npos);  // every native wire format
  REQUIRE(read_file(dir.file("kafka.bootstrap")).find("127.0.0.1:") == 0);

  auto models = nlohmann::json::parse(http_get(url + "/v1/models").body);
  for (const auto& m : models["data"]) {
    if (m["kind"] != "route") continue;
    nlohmann::json body{{"model", m["id"]}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
    auto r = http_post_json(url + "/v1/chat/completions", body.dump(), 30000);
    INFO(m["id"] << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    body["stream"] = true;
    auto streamed = http_post_json(url + "/v1/chat/completions", body.dump(), 30000);
    REQUIRE(streamed.status == 200);
    REQUIRE(streamed.body.find("data: [DONE]") != std::string::npos);
  }
  serve.signal(SIGTERM);
  REQUIRE(serve.wait(std::chrono::seconds(15)) == 0);
}
