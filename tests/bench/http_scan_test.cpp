// The byte scans of the gateway bench's hot path.

#include <catch2/catch.hpp>

#include "bench/http_scan.hpp"

using namespace llmopt;

TEST_CASE("header values are found by case-insensitive name and trimmed") {
  std::string_view head = "POST / HTTP/1.1\r\ncontent-LENGTH:  12 \r\nX: y\r\n\r\n";
  CHECK(scan::header_value(head, "Content-Length") == std::string_view("12"));
  CHECK(scan::header_value(head, "x") == std::string_view("y"));
  CHECK_FALSE(scan::header_value(head, "Content"));
  CHECK_FALSE(scan::header_value("POST / HTTP/1.1 Content-Length: 1", "Content-Length"));
}

TEST_CASE("tokens of a header list match case-insensitively") {
  CHECK(scan::has_token("gzip, Chunked", "chunked"));
  CHECK(scan::has_token("keep-alive,close", "close"));
  CHECK_FALSE(scan::has_token("closed", "close"));
}

TEST_CASE("numbers are digits only and bounded") {
  CHECK(scan::parse_decimal("1048576", 1 << 20) == 1048576u);
  CHECK_FALSE(scan::parse_decimal("1048577", 1 << 20));
  CHECK_FALSE(scan::parse_decimal("+1", 10));
  CHECK_FALSE(scan::parse_decimal("", 10));
  CHECK_FALSE(scan::parse_decimal("99999999999999999999999", ~0ull));
  CHECK(scan::parse_hex("1aF", 1000) == 0x1af);
  CHECK_FALSE(scan::parse_hex("fffffffffffffffff", ~0ull));
}

TEST_CASE("JSON values are found by key, not by the same text in a value") {
  CHECK(scan::json_is_true(R"({"stream":true})", "stream"));
  CHECK(scan::json_is_true("{\"stream\" :\n true}", "stream"));
  CHECK_FALSE(scan::json_is_true(R"({"stream":false})", "stream"));
  CHECK_FALSE(scan::json_is_true(R"({"stream_options":true})", "stream"));
  CHECK_FALSE(scan::json_is_true(R"({"content":"stream","x":true})", "stream"));
  CHECK(scan::json_raw_string(R"({"a":"model","model":"g\"pt"})", "model") ==
        std::string_view(R"(g\"pt)"));
  CHECK_FALSE(scan::json_raw_string(R"({"model":"unterminated)", "model"));
  CHECK_FALSE(scan::json_raw_string(R"({"model":1})", "model"));
  CHECK_FALSE(scan::json_raw_string(R"({"model")", "model"));
}
