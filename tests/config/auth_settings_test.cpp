#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "tests/config/env_map.hpp"

using namespace llmopt;
using llmopt::test::env_of;
using llmopt::test::no_env;

TEST_CASE("auth.required is a boolean, true by default, overridden by LLMOPT_AUTH_REQUIRED",
          "[config][auth]") {
  auto defaults = parse_settings("", "a.toml", no_env());
  REQUIRE(defaults.ok());
  CHECK(defaults->auth.required);
  CHECK(defaults->admin.token.empty());

  auto off = parse_settings("[auth]\nrequired = false\n", "a.toml", no_env());
  REQUIRE(off.ok());
  CHECK_FALSE(off->auth.required);

  auto on_again = parse_settings("[auth]\nrequired = false\n", "a.toml",
                                 env_of({{"LLMOPT_AUTH_REQUIRED", "true"}}));
  REQUIRE(on_again.ok());
  CHECK(on_again->auth.required);
}

TEST_CASE("auth.required and admin.token name what they expect", "[config][auth]") {
  auto quoted = parse_settings("[auth]\nrequired = \"no\"\n", "a.toml", no_env());
  REQUIRE_FALSE(quoted.ok());
  CHECK(quoted.err().detail == "a.toml:2:12: auth.required: expected true or false, got \"no\"");

  auto env = parse_settings("", "a.toml", env_of({{"LLMOPT_AUTH_REQUIRED", "yes"}}));
  REQUIRE_FALSE(env.ok());
  CHECK(env.err().detail == "env LLMOPT_AUTH_REQUIRED: expected true or false, got \"yes\"");

  // A literal token is refused without being repeated.
  auto literal = parse_settings("[admin]\ntoken = \"hunter2-admin\"\n", "a.toml", no_env());
  REQUIRE_FALSE(literal.ok());
  CHECK(literal.err().detail.find("admin.token") != std::string::npos);
  CHECK(literal.err().detail.find("hunter2") == std::string::npos);

  auto reference = parse_settings("[admin]\ntoken = \"${ADMIN_TOKEN}\"\n", "a.toml", no_env());
  REQUIRE(reference.ok());
  CHECK(reference->admin.token == "${ADMIN_TOKEN}");
}
