#include <catch2/catch.hpp>

#include <string>

#include "adapters/http/cookie.hpp"
#include "adapters/http/url_encoding.hpp"

namespace llmopt::http {
namespace {

TEST_CASE("cookie_value finds a cookie among others, trimmed and unquoted", "[cookie]") {
  CHECK(cookie_value("a=1; llmopt_admin=abc; b=2", "llmopt_admin") == "abc");
  CHECK(cookie_value("llmopt_admin=abc", "llmopt_admin") == "abc");
  CHECK(cookie_value("  llmopt_admin = \"abc\" ;x=y", "llmopt_admin") == "abc");
  CHECK(cookie_value("llmopt_admin=one; llmopt_admin=two", "llmopt_admin") == "one");
  CHECK(cookie_value("llmopt_admin=", "llmopt_admin") == "");
}

TEST_CASE("cookie_value refuses what is not the cookie", "[cookie]") {
  CHECK_FALSE(cookie_value("", "llmopt_admin"));
  CHECK_FALSE(cookie_value("xllmopt_admin=abc; llmopt_adminx=abc", "llmopt_admin"));
  CHECK_FALSE(cookie_value("llmopt_admin", "llmopt_admin"));
  CHECK_FALSE(cookie_value("a=1", ""));
  CHECK_FALSE(cookie_value(std::string("llmopt_admin=a\nb"), "llmopt_admin"));
  CHECK_FALSE(cookie_value(std::string("llmopt_admin=a\0b", 16), "llmopt_admin"));
}

TEST_CASE("cookie_value reads a bounded header and a bounded number of pairs", "[cookie]") {
  const std::string long_value(9000, 'x');
  CHECK_FALSE(cookie_value("llmopt_admin=" + long_value, "llmopt_admin"));
  CHECK(cookie_value("llmopt_admin=" + long_value, "llmopt_admin", {16384, 64}) == long_value);
  std::string many;
  for (int i = 0; i < 64; ++i)
    many += "c" + std::to_string(i) + "=v; ";
  CHECK_FALSE(cookie_value(many + "llmopt_admin=abc", "llmopt_admin"));
  CHECK(cookie_value(many + "llmopt_admin=abc", "llmopt_admin", {8192, 65}) == "abc");
}

TEST_CASE("form_value decodes a form field; query_param keeps it raw", "[url_encoding]") {
  CHECK(form_value("token=a%2Bb+c&x=1", "token") == "a+b c");
  CHECK(form_value("x=1&token=%3a%ZZ", "token") == ":%ZZ");
  CHECK(form_value("token", "token") == "");
  CHECK_FALSE(form_value("x=1", "token"));
  CHECK(query_param("limit=5&until_open=1", "until_open") == "1");
  CHECK(query_param("a=%41", "a") == "%41");
  CHECK(percent_decode("%41%4a%") == "AJ%");
}

}  // namespace
}  // namespace llmopt::http
