// Issue 13, part 3: a client that goes away cancels its upstream transfer
// at once, and a client that does not read holds the upstream back instead
// of growing llmopt's memory.

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include "daemon_fixture.hpp"
#include "tests/support/raw_socket.hpp"

using namespace llmopt::test;
using json = nlohmann::json;

namespace {

// Kilobytes of resident memory of process `pid`.
long rss_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

std::string post(const std::string& path, const json& body) {
  const std::string text = body.dump();
  return "POST " + path + " HTTP/1.1\r\nHost: llmopt\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

json chat(const std::string& model, bool stream) {
  return {{"model", model},
          {"stream", stream},
          {"messages", {{{"role", "user"}, {"content", "a long answer, please"}}}}};
}

const char* const formats[] = {"openai", "anthropic", "gemini", "ollama"};

struct flow_setup {
  temp_dir dir;
  sim_process sim{dir, "models", models()};
  running_daemon daemon{config()};

  static std::string models() {
    json m = json::array();
    for (const char* f : formats)
      m.push_back({{"id", std::string(f).substr(0, 2) + ":slow-" + f},
                   {"latency_ms", {{"median", 20}, {"p95", 40}}},
                   {"error_rate", 0},
                   {"quality", 0.8},
                   {"tokens_per_s", 20},
                   {"output_tokens", 1000}});
    m.push_back({{"id", "op:thinking"},  // a plain answer that takes long
                 {"latency_ms", {{"median", 20000}, {"p95", 25000}}},
                 {"error_rate", 0},
                 {"quality", 0.8}});
    m.push_back({{"id", "op:flood"},  // as fast as the client reads, for long
                 {"latency_ms", {{"median", 20}, {"p95", 40}}},
                 {"error_rate", 0},
                 {"quality", 0.8},
                 {"tokens_per_s", 0},
                 {"output_tokens", 150000}});
    for (auto& model : m)
      model.update({{"price_in_per_mtok", 1}, {"price_out_per_mtok", 2}});
    return m.dump();
  }

  std::string config() const {
    std::string c =
        "state_dir = \"${STATE_DIR}\"\n[http]\nlisten = \"127.0.0.1:0\"\n[auth]\nrequired = "
        "false\n";
    for (const char* f : formats) {
      const std::string name = std::string(f).substr(0, 2);
      const std::string base = std::string(f) == "gemini"   ? "/v1beta"
                               : std::string(f) == "ollama" ? ""
                                                            : "/v1";
      c += "[[providers]]\nname = \"" + name + "\"\nkind = \"" + f + "\"\nbase_url = \"" +
           sim.root() + base + "\"\n";
      c += "[[models]]\nid = \"" + name + ":slow-" + f + "\"\n";
    }
    c += "[[models]]\nid = \"op:thinking\"\n[[models]]\nid = \"op:flood\"\n";
    c += "[[routes]]\nname = \"chat\"\ncandidates = [\"op:slow-openai\"]\n";
    return c;
  }
};

}  // namespace

TEST_CASE("a client that goes away cancels its upstream transfer within 100 ms") {
  flow_setup t;
  auto disconnect_and_measure = [&](raw_socket& client) {
    const auto gone = std::chrono::steady_clock::now();
    client.close();
    auto stats = t.sim.stats("until_open=0&timeout_ms=5000");
    const auto cancelled = std::chrono::steady_clock::now();
    CHECK_FALSE(stats.value("timed_out", false));
    return std::chrono::duration_cast<std::chrono::milliseconds>(cancelled - gone);
  };
  for (const char* f : formats) {  // streams, after their first tokens
    INFO("format " << f);
    raw_socket client(port_of(t.daemon.url()));
    const std::string model = std::string(f).substr(0, 2) + ":slow-" + f;
    REQUIRE(client.send_all(post("/v1/chat/completions", chat(model, true))));
    REQUIRE(client.read_until("Simulated").find("Simulated") != std::string::npos);
    CHECK(t.sim.stats()["open"] == 1);
    CHECK(disconnect_and_measure(client) < std::chrono::milliseconds(100));
  }
  {  // a plain request still waiting for its answer
    raw_socket client(port_of(t.daemon.url()));
    REQUIRE(client.send_all(post("/v1/chat/completions", chat("op:thinking", false))));
    REQUIRE(t.sim.stats("until_open=1&timeout_ms=5000")["open"] == 1);
    CHECK(disconnect_and_measure(client) < std::chrono::milliseconds(100));
  }
  CHECK(t.sim.stats()["abandoned"] == 5);
}

TEST_CASE("a client that does not read holds the upstream back, and nothing is lost") {
  flow_setup t;
  REQUIRE(t.daemon.chat("op:slow-openai").status == 200);  // warm: buffers, connections
  const long rss_before = rss_kb(t.daemon.process().pid());
  raw_socket client(port_of(t.daemon.url()), std::chrono::seconds(30));
  REQUIRE(client.send_all(post("/v1/chat/completions", chat("op:flood", true))));
  // The client reads nothing: llmopt's buffer for it fills, llmopt stops
  // reading the upstream, and the simulator has to wait.
  auto held = t.sim.stats("until_held_back=1&timeout_ms=20000");
  REQUIRE_FALSE(held.value("timed_out", false));
  const long rss_held = rss_kb(t.daemon.process().pid());
  INFO("llmopt RSS before " << rss_before << " kB, while held back " << rss_held << " kB");
  CHECK(rss_held - rss_before < 64 * 1024);
  // Now it reads: every token arrives, in order, and the stream ends cleanly.
  const std::string text = client.read_until("data: [DONE]\n\n");
  REQUIRE(text.find("data: [DONE]\n\n") != std::string::npos);
  long long tokens = 0;
  for (std::size_t at = 0; (at = text.find("\"delta\":{\"content\":\"", at)) != std::string::npos;
       ++at)
    ++tokens;
  CHECK(tokens == 150000 + 1);  // the role chunk's empty content, then one per token
  CHECK(text.find("\"error\"") == std::string::npos);
}
