// The authentication stage as a pure function of a request and a key table:
// no threads, no store.

#include "actors/authentication.hpp"

#include <catch2/catch.hpp>

namespace llmopt {
namespace {

const std::string team_key = "llmopt-" + std::string(64, 'a');
const std::string gone_key = "llmopt-" + std::string(64, 'b');

key_table table() {
  key_table t;
  auto add = [&](const std::string& secret, const std::string& id, bool revoked) {
    key_entry e;
    e.digest = sha256_of(secret);
    e.who.key_id = id;
    e.who.key_name = id + "-name";
    e.who.policy.routes = {"chat"};
    e.revoked = revoked;
    t.by_hash[sha256_hex(secret)] = e;
  };
  add(team_key, "key_team", false);
  add(gone_key, "key_gone", true);
  return t;
}

http::request with(const std::string& header, const std::string& value) {
  http::request r;
  if (!header.empty()) r.headers[header] = value;
  return r;
}

TEST_CASE("a key is found by its hash in Authorization: Bearer or x-api-key") {
  const auto keys = table();
  for (const auto& req :
       {with("authorization", "Bearer " + team_key), with("authorization", "bearer " + team_key),
        with("x-api-key", team_key)}) {
    auto who = authenticate(req, keys, true);
    REQUIRE(who);
    CHECK(who->key_id == "key_team");
    CHECK(who->key_name == "key_team-name");
  }
}

TEST_CASE("a missing, unknown or revoked key is invalid_api_key, and no message repeats it") {
  const auto keys = table();
  const std::string unknown = "llmopt-" + std::string(64, 'c');
  for (const auto& req : {with("", ""), with("authorization", "Bearer " + unknown),
                          with("x-api-key", gone_key), with("authorization", "Basic abc")}) {
    auto who = authenticate(req, keys, true);
    REQUIRE_FALSE(who);
    CHECK(who.err().code == "invalid_api_key");
    CHECK(who.err().detail.find("llmopt-") == std::string::npos);
    auto answer = unauthenticated(who.err());
    CHECK(answer.status == 401);
  }
  CHECK(authenticate(with("x-api-key", gone_key), keys, true).err().detail.find("revoked") !=
        std::string::npos);
}

TEST_CASE("without auth, no key or a foreign one is an empty caller, an llmopt key is checked") {
  const auto keys = table();
  auto none = authenticate(with("", ""), keys, false);
  REQUIRE(none);
  CHECK(none->key_id.empty());
  auto foreign = authenticate(with("authorization", "Bearer sk-any"), keys, false);
  REQUIRE(foreign);
  CHECK(foreign->key_id.empty());
  CHECK(authenticate(with("x-api-key", team_key), keys, false)->key_id == "key_team");
  CHECK_FALSE(authenticate(with("x-api-key", gone_key), keys, false));
}

TEST_CASE("a key's routes limit the targets it may use, an empty caller may use all") {
  caller team{"key_team", "team", {}, {}};
  team.policy.routes = {"chat", "openai:gpt-4o-mini"};
  CHECK_FALSE(forbidden_target(team, "chat"));
  CHECK_FALSE(forbidden_target(team, "openai:gpt-4o-mini"));
  auto denied = forbidden_target(team, "openai:gpt-4o");
  REQUIRE(denied);
  CHECK(denied->status == 403);
  CHECK(denied->param == "model");
  CHECK_FALSE(forbidden_target(caller{}, "openai:gpt-4o"));
}

TEST_CASE("the admin token is accepted whole and only as a Bearer token") {
  const auto token = sha256_of("admin-secret");
  CHECK(admin_authorized(with("authorization", "Bearer admin-secret"), token));
  CHECK_FALSE(admin_authorized(with("authorization", "Bearer admin-secre"), token));
  CHECK_FALSE(admin_authorized(with("authorization", "Bearer admin-secret2"), token));
  CHECK_FALSE(admin_authorized(with("x-api-key", "admin-secret"), token));
  CHECK_FALSE(admin_authorized(with("", ""), token));
}

TEST_CASE("the dashboard cookie holds the token's digest and admits GET requests only") {
  const auto token = sha256_of("admin-secret");
  const std::string set_cookie = admin_cookie_of(token);
  CHECK(set_cookie.find("admin-secret") == std::string::npos);
  CHECK(set_cookie.find("; HttpOnly; SameSite=Strict; Path=/") != std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  auto request = [&](const std::string& method, const std::string& value) {
    auto r = with("cookie", "theme=dark; " + value);
    r.method = method;
    return r;
  };
  CHECK(admin_cookie_authorized(request("GET", cookie), token));
  // A cookie never authorizes a state-changing request.
  CHECK_FALSE(admin_cookie_authorized(request("POST", cookie), token));
  CHECK_FALSE(admin_cookie_authorized(request("PUT", cookie), token));
  CHECK_FALSE(admin_cookie_authorized(request("DELETE", cookie), token));
  // The token itself, another digest, or no cookie are refused.
  CHECK_FALSE(admin_cookie_authorized(request("GET", "llmopt_admin=admin-secret"), token));
  CHECK_FALSE(admin_cookie_authorized(request("GET", "llmopt_admin=" + sha256_hex("admin-secret2")),
                                      token));
  CHECK_FALSE(admin_cookie_authorized(request("GET", ""), token));
  // Nor is the digest a Bearer token.
  CHECK_FALSE(
      admin_authorized(with("authorization", "Bearer " + sha256_hex("admin-secret")), token));
}

}  // namespace
}  // namespace llmopt
