#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt::test {

// A config with three simulated models on route "chat", fast enough for
// tests, in-process simulated providers, an ephemeral gateway port and a
// short decision tick. `extra` is appended (more [[providers]] etc.).
std::string simulated_config(const std::string& state_dir, const std::string& extra = {});

// A dear model, openai:metered, priced in USD per million tokens so that a
// request costs a few cents and $1.00 lasts a few dozen, and the route
// "metered" of it alone, with `route_lines` (TOML) in the route's table:
// for simulated_config's `extra`.
constexpr double metered_price_in = 500.0;
constexpr double metered_price_out = 1000.0;
std::string metered_route(const std::string& route_lines = {});

// `llmopt serve` as a child process, started on a config file in its own
// temporary state directory, awaited until it prints "llmopt: ready".
class running_daemon {
 public:
  // `config` may use ${STATE_DIR}, replaced by the temporary directory.
  // With an `admin_token`, the daemon runs with ADMIN_TOKEN set to it (for
  // admin.token = "${ADMIN_TOKEN}") and the admin calls below send it.
  explicit running_daemon(const std::string& config, const std::string& admin_token = {});

  // SIGKILL, reaped: a crash.
  void kill();
  // Starts `llmopt serve` again on the same config and state directory and
  // awaits "llmopt: ready".
  void restart();

  const std::string& url() const { return url_; }              // http://127.0.0.1:PORT
  const std::string& bootstrap() const { return bootstrap_; }  // Kafka
  const std::string& config_path() const { return config_path_; }
  const std::string& state_dir() const { return dir_.path(); }
  child_process& process() { return *process_; }

  // GET /admin/v1/routes -> {"chat": {"weights": {...}}, ...}
  nlohmann::json routes();
  double weight(const std::string& route, const std::string& model);
  std::string heaviest(const std::string& route);

  // POST /v1/chat/completions with model = target, with `api_key` as a
  // Bearer token when given.
  http_response chat(const std::string& target, const std::string& content = "hello",
                     const std::string& api_key = {});

  // `llmopt ARGS... --config FILE` run to completion.
  run_result cli(std::vector<std::string> args);

  // `llmopt decisions --config FILE --json [args]`, parsed.
  nlohmann::json decisions(const std::vector<std::string>& args = {});

  // GET /admin/v1/pipeline and /admin/v1/models.
  nlohmann::json pipeline();
  nlohmann::json models();
  // GET /metrics: the Prometheus text.
  std::string metrics();
  // `method` `path` of the admin API with `body`, with the admin token.
  http_response admin(const std::string& method, const std::string& path,
                      const std::string& body = {});

 private:
  void launch();
  http_response admin_get(const std::string& path);

  temp_dir dir_;
  std::string admin_token_;
  std::string config_path_;
  std::unique_ptr<child_process> process_;
  std::string url_;
  std::string bootstrap_;
};

// `llmopt provider-sim` as a child process serving `models_json` (a JSON
// array of models, as provider-sim --models takes), awaited until it serves.
class sim_process {
 public:
  sim_process(const temp_dir& dir, const std::string& name, const std::string& models_json);

  const std::string& root() const { return root_; }  // http://127.0.0.1:PORT
  child_process& process() { return *process_; }

  // POST /admin/faults with `fault`; REQUIREs 200.
  void inject(const nlohmann::json& fault);
  // GET /admin/stats[?query], parsed.
  nlohmann::json stats(const std::string& query = {});

 private:
  std::unique_ptr<child_process> process_;
  std::string root_;
};

// Runs `node tests/npm/SCRIPT ARGS...` (bounded by `timeout`) and parses
// the JSON summary it prints. FAILs, saying to run deploy/install-deps.sh,
// when node or one of the `packages` in tests/npm/node_modules is missing.
struct npm_run {
  run_result process;
  nlohmann::json summary;  // discarded when stdout is not one JSON document
};
npm_run run_npm_script(const std::string& script, const std::vector<std::string>& args,
                       const std::vector<std::string>& packages,
                       std::chrono::seconds timeout = std::chrono::seconds(180));

// Calls `done` until it returns true or 10 s have passed; returns its last
// answer. For what a test cannot await otherwise (an actor's counters).
template <class F>
bool eventually(F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done())
    if (std::chrono::steady_clock::now() > until) return false;
  return true;
}

// Awaits the "kafka broker at ADDR" line of `llmopt broker` and returns ADDR.
std::string await_broker(child_process& broker);

// kcat -P: produces `value` (one message) with `key` to `topic`; returns
// kcat's exit code.
int kcat_produce(const std::string& bootstrap, const std::string& topic, const std::string& key,
                 const std::string& value);

// The first line of `text` that contains `needle`, or "".
std::string line_with(const std::string& text, const std::string& needle);

}  // namespace llmopt::test
