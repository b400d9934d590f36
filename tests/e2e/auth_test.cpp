// API keys and the admin token, end to end: `llmopt keys` against the store
// of a running daemon, the gateway's answers to missing, wrong, revoked and
// restricted keys in each client API's error shape, the official SDKs, the
// admin API's token, and serve's refusal to listen beyond loopback without
// credentials.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon_fixture.hpp"
#include "tests/support/text.hpp"

using namespace llmopt::test;

namespace {

const std::string admin_token = "admin-token-for-the-auth-test-7f3c";

// The simulated config with auth required and the admin token in
// ${ADMIN_TOKEN}.
std::string auth_config() {
  std::string config = simulated_config("${STATE_DIR}", "\n[admin]\ntoken = \"${ADMIN_TOKEN}\"\n");
  const std::string off = "[auth]\nrequired = false\n";
  const auto at = config.find(off);
  REQUIRE(at != std::string::npos);
  return config.replace(at, off.size(), "[auth]\nrequired = true\n");
}

struct created_key {
  std::string id;
  std::string secret;
};

// `llmopt keys create ARGS...`: the id and key it prints, once.
created_key create_key(running_daemon& d, std::vector<std::string> args) {
  args.insert(args.begin(), {"keys", "create"});
  auto r = d.cli(args);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  created_key k{line_with(r.out, "id:  "), line_with(r.out, "key: ")};
  REQUIRE(k.id.rfind("id:  key_", 0) == 0);
  REQUIRE(k.secret.rfind("key: llmopt-", 0) == 0);
  k.id = k.id.substr(5);
  k.secret = k.secret.substr(5);
  CHECK(occurrences(r.out + r.err, k.secret) == 1);  // printed once
  return k;
}

const std::string chat_body =
    R"({"model": "chat", "messages": [{"role": "user", "content": "hello"}]})";
const std::string messages_body =
    R"({"model": "chat", "max_tokens": 64, "messages": [{"role": "user", "content": "hello"}]})";

http_response post(const running_daemon& d, const std::string& path, const std::string& body,
                   const std::vector<std::string>& credentials) {
  std::vector<std::string> headers{"Content-Type: application/json"};
  headers.insert(headers.end(), credentials.begin(), credentials.end());
  return http_request("POST", d.url() + path, body, headers);
}

std::string bearer(const std::string& key) {
  return "Authorization: Bearer " + key;
}

// OpenAI's error object: {"error": {"type", "code", ...}}.
void check_openai_error(const http_response& r, long status, const std::string& type,
                        const std::string& code) {
  INFO(r.body);
  CHECK(r.status == status);
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  REQUIRE(body.contains("error"));
  CHECK(body["error"]["type"] == type);
  CHECK(body["error"]["code"] == code);
}

// Anthropic's: {"type": "error", "error": {"type", "message"}}.
void check_anthropic_error(const http_response& r, long status, const std::string& type) {
  INFO(r.body);
  CHECK(r.status == status);
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == type);
}

std::string file_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream out;
  out << f.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE(
    "missing, wrong and revoked keys are 401 and a key off its routes 403, in each API's "
    "error shape") {
  running_daemon d(auth_config(), admin_token);
  const auto team = create_key(d, {"--name", "team"});
  const auto mini_only = create_key(d, {"--name", "mini", "--routes", "openai:gpt-4o-mini"});
  const auto revoked = create_key(d, {"--name", "gone"});
  REQUIRE(d.cli({"keys", "revoke", revoked.id}).exit_code == 0);
  const std::string wrong = "llmopt-" + std::string(64, '0');

  // Keys made while the daemon runs are served once the watch has seen them.
  REQUIRE(eventually([&] {
    return post(d, "/v1/chat/completions", chat_body, {bearer(team.secret)}).status == 200;
  }));

  check_openai_error(post(d, "/v1/chat/completions", chat_body, {}), 401, "invalid_request_error",
                     "invalid_api_key");
  check_openai_error(post(d, "/v1/chat/completions", chat_body, {bearer(wrong)}), 401,
                     "invalid_request_error", "invalid_api_key");
  check_openai_error(post(d, "/v1/chat/completions", chat_body, {bearer(revoked.secret)}), 401,
                     "invalid_request_error", "invalid_api_key");
  check_openai_error(post(d, "/v1/chat/completions", chat_body, {bearer(mini_only.secret)}), 403,
                     "permission_error", "model_not_allowed");
  CHECK(d.chat("openai:gpt-4o-mini", "hello", mini_only.secret).status == 200);

  check_anthropic_error(post(d, "/v1/messages", messages_body, {}), 401, "authentication_error");
  check_anthropic_error(post(d, "/v1/messages", messages_body, {"x-api-key: " + wrong}), 401,
                        "authentication_error");
  check_anthropic_error(post(d, "/v1/messages", messages_body, {"x-api-key: " + revoked.secret}),
                        401, "authentication_error");
  check_anthropic_error(post(d, "/v1/messages", messages_body, {"x-api-key: " + mini_only.secret}),
                        403, "permission_error");
  CHECK(post(d, "/v1/messages", messages_body, {"x-api-key: " + team.secret}).status == 200);
  CHECK(post(d, "/v1/messages", messages_body, {bearer(team.secret)}).status == 200);

  // Every /v1 endpoint; not the health checks.
  CHECK(http_get(d.url() + "/v1/models").status == 401);
  CHECK(http_request("GET", d.url() + "/v1/models", {}, {bearer(team.secret)}).status == 200);
  CHECK(http_get(d.url() + "/health/live").status == 200);

  // Nothing about a key in the log: neither what was sent nor what was made.
  const auto log = d.process().out() + d.process().err();
  for (const auto& secret : {team.secret, mini_only.secret, revoked.secret, wrong})
    CHECK(log.find(secret.substr(7)) == std::string::npos);
}

TEST_CASE("the admin API needs admin.token, compared whole") {
  running_daemon d(auth_config(), admin_token);
  const std::string routes = d.url() + "/admin/v1/routes";
  CHECK(http_get(routes).status == 401);
  CHECK(http_request("GET", routes, {}, {bearer(admin_token + "x")}).status == 401);
  CHECK(http_request("GET", routes, {}, {bearer(admin_token.substr(1))}).status == 401);
  auto answer = http_request("GET", routes, {}, {bearer(admin_token)});
  CHECK(answer.status == 200);
  CHECK(nlohmann::json::parse(answer.body).contains("routes"));
  // An API key is not the admin token.
  const auto key = create_key(d, {"--name", "not-admin"});
  CHECK(http_request("GET", routes, {}, {bearer(key.secret)}).status == 401);
  const auto log = d.process().out() + d.process().err();
  CHECK(log.find(admin_token) == std::string::npos);
}

TEST_CASE(
    "keys create prints a key once, list never shows it, and a revoke holds within a "
    "second without a restart") {
  running_daemon d(auth_config(), admin_token);
  const auto key = create_key(d, {"--name", "ci", "--routes", "chat", "--budget-usd", "5",
                                  "--period", "day", "--rpm", "60", "--tpm", "10000"});
  REQUIRE(eventually([&] { return d.chat("chat", "hello", key.secret).status == 200; }));

  // The spend ledger charges the call to the key, by its public id.
  auto served = d.chat("chat", "hello", key.secret);
  REQUIRE(served.status == 200);
  const auto decision = served.headers.at("x-llmopt-decision");
  std::string last;
  const bool charged = eventually([&] {
    auto explained = d.cli({"decisions", "explain", decision, "--json"});
    last = explained.out + explained.err;
    if (explained.exit_code != 0) return false;
    const auto body = nlohmann::json::parse(explained.out);  // outlives the loop over it
    for (const auto& entry : body["calls_by_key"])
      if (entry["key"] == key.id) return true;
    return false;
  });
  INFO(last);
  REQUIRE(charged);

  auto listed = d.cli({"keys", "list", "--json"});
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find(key.secret.substr(7)) == std::string::npos);
  auto keys = nlohmann::json::parse(listed.out);
  REQUIRE(keys.size() == 1);
  CHECK(keys[0]["id"] == key.id);
  CHECK(keys[0]["name"] == "ci");
  CHECK(keys[0]["routes"] == nlohmann::json::array({"chat"}));
  CHECK(keys[0]["budget_usd"] == 5.0);
  CHECK(keys[0]["period"] == "day");
  CHECK(keys[0]["rpm"] == 60);
  CHECK(keys[0]["tpm"] == 10000);
  CHECK(keys[0]["revoked"].is_null());
  auto table = d.cli({"keys", "list"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find(key.id) != std::string::npos);
  CHECK(table.out.find(key.secret.substr(7)) == std::string::npos);

  REQUIRE(d.cli({"keys", "revoke", key.id}).exit_code == 0);
  const auto revoked_at = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return d.chat("chat", "hello", key.secret).status == 401; }));
  CHECK(std::chrono::steady_clock::now() - revoked_at < std::chrono::seconds(1));
  auto after = nlohmann::json::parse(d.cli({"keys", "list", "--json"}).out);
  CHECK(after[0]["revoked"].is_string());

  // Neither the daemon's log nor the store's files hold the key.
  const auto db = d.state_dir() + "/llmopt.db";
  const auto stored = file_text(db) + file_text(db + "-wal");
  CHECK(stored.find(key.id) != std::string::npos);  // the file is the one written
  CHECK(stored.find(key.secret.substr(7)) == std::string::npos);
  const auto log = d.process().out() + d.process().err();
  CHECK(log.find(key.secret.substr(7)) == std::string::npos);
}

TEST_CASE("keys commands name the flag that is wrong") {
  temp_dir dir;
  const std::string config = dir.file("llmopt.toml");
  write_file(config, simulated_config(dir.path()));
  auto create = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LLMOPT_BINARY, "keys", "create", "--config", config});
    return run(args);
  };
  auto missing_name = create({});
  CHECK(missing_name.exit_code != 0);
  CHECK(missing_name.err.find("--name") != std::string::npos);
  auto bad_period = create({"--name", "x", "--budget-usd", "5", "--period", "week"});
  CHECK(bad_period.exit_code != 0);
  CHECK(bad_period.err.find("--period") != std::string::npos);
  auto period_alone = create({"--name", "x", "--period", "day"});
  CHECK(period_alone.exit_code != 0);
  CHECK(period_alone.err.find("--budget-usd") != std::string::npos);
  auto bad_rpm = create({"--name", "x", "--rpm", "lots"});
  CHECK(bad_rpm.exit_code != 0);
  CHECK(bad_rpm.err.find("--rpm") != std::string::npos);
  auto bad_route = create({"--name", "x", "--routes", "chat,nope"});
  CHECK(bad_route.exit_code != 0);
  CHECK(bad_route.err.find("--routes: \"nope\"") != std::string::npos);
  auto unknown = run({LLMOPT_BINARY, "keys", "revoke", "key_000000000000", "--config", config});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("no API key key_000000000000") != std::string::npos);
}

TEST_CASE(
    "the openai and anthropic SDKs are served with a key from the CLI and get "
    "AuthenticationError with a wrong one",
    "[npm]") {
  running_daemon d(auth_config(), admin_token);
  const auto good = create_key(d, {"--name", "sdk"});
  const auto restricted = create_key(d, {"--name", "mini", "--routes", "openai:gpt-4o-mini"});
  REQUIRE(eventually([&] { return d.chat("chat", "hello", good.secret).status == 200; }));
  auto npm =
      run_npm_script("gateway_auth.mjs",
                     {d.url(), good.secret, "llmopt-" + std::string(64, 'f'), restricted.secret},
                     {"openai", "@anthropic-ai/sdk"});
  const auto& r = npm.process;
  INFO("exit code " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE_FALSE(npm.summary.is_discarded());
  for (const auto& check : npm.summary["results"]) {
    INFO(check["sdk"].get<std::string>()
         << ": " << check["name"].get<std::string>() << "\n  " << check.value("error", ""));
    CHECK(check["ok"] == true);
  }
  CHECK(npm.summary["checks"] == 6);
  CHECK(r.exit_code == 0);
}

TEST_CASE(
    "with auth.required = false a request without a key or with a foreign one is served, "
    "a wrong llmopt key is not") {
  running_daemon d(simulated_config("${STATE_DIR}"));
  CHECK(d.chat("chat").status == 200);
  CHECK(d.chat("chat", "hello", "sk-an-openai-key-the-app-already-sends").status == 200);
  auto wrong = d.chat("chat", "hello", "llmopt-" + std::string(64, '1'));
  CHECK(wrong.status == 401);
}

TEST_CASE("serve refuses to listen beyond loopback without auth or without an admin token") {
  temp_dir dir;
  auto serve_on = [&](const std::string& name, std::string config) {
    const std::string off = "listen = \"127.0.0.1:0\"";
    config.replace(config.find(off), off.size(), "listen = \"0.0.0.0:0\"");
    const std::string path = dir.file(name + ".toml");
    write_file(path, config);
    return run({LLMOPT_BINARY, "serve", "--config", path}, {}, std::chrono::seconds(20));
  };
  auto open = serve_on("open", simulated_config(dir.file("open")));
  CHECK(open.exit_code != 0);
  CHECK(open.err.find("http.listen = \"0.0.0.0:0\" is not a loopback address") !=
        std::string::npos);
  CHECK(open.err.find("auth.required") != std::string::npos);

  std::string with_auth = simulated_config(dir.file("no-admin"));
  with_auth.replace(with_auth.find("required = false"), 16, "required = true");
  auto no_admin = serve_on("no-admin", with_auth);
  CHECK(no_admin.exit_code != 0);
  CHECK(no_admin.err.find("admin.token") != std::string::npos);
}
