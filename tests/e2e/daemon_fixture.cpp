#include "daemon_fixture.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>

namespace llmopt::test {
namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

std::string after(const std::string& line, const std::string& marker) {
  auto pos = line.find(marker);
  if (pos == std::string::npos) return {};
  auto rest = line.substr(pos + marker.size());
  return rest.substr(0, rest.find(' '));
}

}  // namespace

std::string metered_route(const std::string& route_lines) {
  return R"(
[[models]]
id = "openai:metered"
price_in_per_mtok = )" +
         std::to_string(metered_price_in) + R"(
price_out_per_mtok = )" +
         std::to_string(metered_price_out) + R"(
simulation = { latency_ms = { median = 20, p95 = 40 }, error_rate = 0.0, quality = 0.8 }

[[routes]]
name = "metered"
candidates = ["openai:metered"]
)" + route_lines;
}

std::string simulated_config(const std::string& state_dir, const std::string& extra) {
  return R"(state_dir = ")" + state_dir + R"("

[http]
listen = "127.0.0.1:0"
[auth]
required = false

[decision]
tick_ms = 200

[log]
level = "info"

[[providers]]
name = "openai"
kind = "simulated"

[[providers]]
name = "anthropic"
kind = "simulated"

[[models]]
id = "openai:gpt-4o-mini"
price_in_per_mtok = 0.15
price_out_per_mtok = 0.6
quality_prior = 0.7
simulation = { latency_ms = { median = 15, p95 = 30 }, error_rate = 0.0, quality = 0.7 }

[[models]]
id = "openai:gpt-4o"
price_in_per_mtok = 2.5
price_out_per_mtok = 10.0
quality_prior = 0.86
simulation = { latency_ms = { median = 20, p95 = 40 }, error_rate = 0.0, quality = 0.86 }

[[models]]
id = "anthropic:claude-3-5-sonnet"
price_in_per_mtok = 3.0
price_out_per_mtok = 15.0
quality_prior = 0.9
simulation = { latency_ms = { median = 25, p95 = 50 }, error_rate = 0.0, quality = 0.9 }

[[routes]]
name = "chat"
candidates = ["openai:gpt-4o", "anthropic:claude-3-5-sonnet", "openai:gpt-4o-mini"]
objective = { quality = 0.6, cost = 0.2, latency = 0.2 }
cost_ref_usd = 0.01
latency_ref_ms = 5000
)" + extra;
}

running_daemon::running_daemon(const std::string& config, const std::string& admin_token)
    : admin_token_(admin_token) {
  config_path_ = dir_.file("llmopt.toml");
  write_file(config_path_, replace_all(config, "${STATE_DIR}", dir_.path()));
  launch();
}

void running_daemon::kill() {
  process_->signal(SIGKILL);
  REQUIRE(process_->wait(std::chrono::seconds(10)));
}

void running_daemon::restart() {
  url_.clear();
  launch();
}

void running_daemon::launch() {
  std::vector<std::string> env;
  if (!admin_token_.empty()) env.push_back("ADMIN_TOKEN=" + admin_token_);
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{LLMOPT_BINARY, "serve", "--config", config_path_}, env);
  auto ready = process_->await_line(
      [&](const std::string& line) {
        if (line.find("gateway listening on ") != std::string::npos)
          url_ = after(line, "gateway listening on ");
        if (line.find("kafka broker at ") != std::string::npos)
          bootstrap_ = after(line, "kafka broker at ");
        return line == "llmopt: ready";
      },
      std::chrono::seconds(30));
  INFO("daemon stdout:\n" << process_->out() << "\nstderr:\n" << process_->err());
  REQUIRE(ready);
  REQUIRE_FALSE(url_.empty());
}

http_response running_daemon::admin_get(const std::string& path) {
  std::vector<std::string> headers;
  if (!admin_token_.empty()) headers.push_back("Authorization: Bearer " + admin_token_);
  return http_request("GET", url_ + path, {}, headers);
}

http_response running_daemon::admin(const std::string& method, const std::string& path,
                                    const std::string& body) {
  std::vector<std::string> headers;
  if (!admin_token_.empty()) headers.push_back("Authorization: Bearer " + admin_token_);
  return http_request(method, url_ + path, body, headers);
}

std::string running_daemon::metrics() {
  auto r = admin_get("/metrics");
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.body;
}

nlohmann::json running_daemon::pipeline() {
  auto r = admin_get("/admin/v1/pipeline");
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

nlohmann::json running_daemon::models() {
  auto r = admin_get("/admin/v1/models");
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body)["models"];
}

nlohmann::json running_daemon::routes() {
  auto r = admin_get("/admin/v1/routes");
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body)["routes"];
}

double running_daemon::weight(const std::string& route, const std::string& model) {
  return routes()[route]["weights"].value(model, 0.0);
}

std::string running_daemon::heaviest(const std::string& route) {
  std::string best;
  double w = -1;
  const auto table = routes();  // items() must not outlive the JSON it iterates
  for (const auto& [model, weight] : table[route]["weights"].items()) {
    if (weight.get<double>() > w) {
      w = weight.get<double>();
      best = model;
    }
  }
  return best;
}

http_response running_daemon::chat(const std::string& target, const std::string& content,
                                   const std::string& api_key) {
  nlohmann::json body{{"model", target}, {"messages", {{{"role", "user"}, {"content", content}}}}};
  std::vector<std::string> headers{"Content-Type: application/json"};
  if (!api_key.empty()) headers.push_back("Authorization: Bearer " + api_key);
  return http_request("POST", url_ + "/v1/chat/completions", body.dump(), headers);
}

run_result running_daemon::cli(std::vector<std::string> args) {
  args.insert(args.begin(), LLMOPT_BINARY);
  args.push_back("--config");
  args.push_back(config_path_);
  return run(args);
}

nlohmann::json running_daemon::decisions(const std::vector<std::string>& args) {
  std::vector<std::string> argv{LLMOPT_BINARY, "decisions", "--config", config_path_, "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

sim_process::sim_process(const temp_dir& dir, const std::string& name,
                         const std::string& models_json) {
  const std::string file = dir.file(name + ".models.json");
  write_file(file, models_json);
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{LLMOPT_BINARY, "provider-sim", "--port", "0", "--models", file});
  auto line = process_->await_line(
      [](const std::string& l) { return l.find("provider-sim serving") != std::string::npos; },
      std::chrono::seconds(10));
  REQUIRE(line);
  root_ = line->substr(line->find("http://"));
  root_ = root_.substr(0, root_.rfind("/v1"));
}

void sim_process::inject(const nlohmann::json& fault) {
  auto r = http_post_json(root_ + "/admin/faults", fault.dump());
  INFO(r.body);
  REQUIRE(r.status == 200);
}

nlohmann::json sim_process::stats(const std::string& query) {
  auto r = http_get(root_ + "/admin/stats" + (query.empty() ? "" : "?" + query), 30000);
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

npm_run run_npm_script(const std::string& script, const std::vector<std::string>& args,
                       const std::vector<std::string>& packages, std::chrono::seconds timeout) {
  const std::string npm_dir = LLMOPT_SOURCE_DIR "/tests/npm";
  const auto node = run({"node", "--version"});
  if (node.exit_code != 0)
    FAIL("node is not installed: run deploy/install-deps.sh (" << node.err << ")");
  for (const auto& package : packages)
    if (!std::filesystem::exists(npm_dir + "/node_modules/" + package))
      FAIL("tests/npm/node_modules lacks " << package << ": run deploy/install-deps.sh");
  std::vector<std::string> argv{"node", npm_dir + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  npm_run out;
  out.process = run(argv, {}, timeout);
  out.summary = nlohmann::json::parse(out.process.out, nullptr, false);
  return out;
}

std::string await_broker(child_process& broker) {
  auto line = broker.await_line(
      [](const std::string& l) { return l.find("kafka broker at ") != std::string::npos; },
      std::chrono::seconds(10));
  REQUIRE(line);
  return after(*line, "kafka broker at ");
}

int kcat_produce(const std::string& bootstrap, const std::string& topic, const std::string& key,
                 const std::string& value) {
  // -K picks a key delimiter that cannot occur in the test messages.
  auto r =
      run({"kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\x1f"}, key + "\x1f" + value + "\n");
  INFO("kcat stderr: " << r.err);
  return r.exit_code;
}

std::string line_with(const std::string& text, const std::string& needle) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) return line;
    start = end + 1;
  }
  return {};
}

}  // namespace llmopt::test
