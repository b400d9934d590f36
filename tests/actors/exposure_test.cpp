#include "actors/exposure.hpp"

#include <catch2/catch.hpp>

#include "config/loader.hpp"

namespace llmopt {
namespace {

TEST_CASE("loopback addresses are told from every other listen address") {
  for (const char* listen : {"127.0.0.1:8080", "127.1.2.3:0", "localhost:80", "[::1]:8080"}) {
    INFO(listen);
    CHECK(listens_on_loopback(listen));
  }
  for (const char* listen :
       {"0.0.0.0:8080", "10.0.0.5:80", "[::]:8080", "127.example.com:80", "llmopt.internal:80"}) {
    INFO(listen);
    CHECK_FALSE(listens_on_loopback(listen));
  }
}

TEST_CASE("beyond loopback the gateway needs auth.required and admin.token, each named") {
  settings s = default_settings();
  s.http.listen = "0.0.0.0:8080";
  s.auth.required = false;
  s.admin.token = "${ADMIN_TOKEN}";
  auto open = check_exposure(s);
  REQUIRE_FALSE(open);
  CHECK(open.err().detail.find("auth.required") != std::string::npos);

  s.auth.required = true;
  s.admin.token.clear();
  auto no_admin = check_exposure(s);
  REQUIRE_FALSE(no_admin);
  CHECK(no_admin.err().detail.find("admin.token") != std::string::npos);

  s.admin.token = "${ADMIN_TOKEN}";
  CHECK(check_exposure(s));
  s.http.listen = "127.0.0.1:8080";
  s.auth.required = false;
  s.admin.token.clear();
  CHECK(check_exposure(s));  // dev mode on this machine
}

}  // namespace
}  // namespace llmopt
