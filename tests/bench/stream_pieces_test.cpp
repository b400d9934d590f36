// The load generator's check of a stream's content pieces.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bench/stream_pieces.hpp"

using namespace llmopt;

namespace {

const std::vector<std::string> two{"t0 ", "t1 "};

std::string event(const std::string& content) {
  return "data: {\"choices\":[{\"delta\":{\"content\": \"" + content + "\"}}]}\n\n";
}

}  // namespace

TEST_CASE("the expected pieces in order, then [DONE], is ok with a time per piece") {
  stream_pieces pieces(two);
  pieces.feed(event("") + event("t0 "), 10);
  pieces.feed(event("t1 ") + "data: {\"choices\":[],\"usage\":{}}\n\n", 20);
  CHECK_FALSE(pieces.ok());  // no [DONE] yet
  pieces.feed("data: [DONE]\n\n", 30);
  CHECK(pieces.ok());
  CHECK(pieces.piece_times() == std::vector<std::int64_t>{10, 20});
}

TEST_CASE("CRLF line ends, comments and event fields are accepted") {
  stream_pieces pieces(two);
  pieces.feed(": keep-alive\r\n\r\nevent: x\r\ndata: {\"content\":\"t0 \"}\r\n\r\n", 0);
  pieces.feed("data: {\"content\":\"t1 \"}\r\n\r\ndata: [DONE]\r\n\r\n", 0);
  CHECK(pieces.ok());
}

TEST_CASE("wrong streams are not ok") {
  stream_pieces pieces(two);
  SECTION("a missing piece") {
    pieces.feed(event("t1 ") + "data: [DONE]\n\n", 0);
  }
  SECTION("a piece too many") {
    pieces.feed(event("t0 ") + event("t1 ") + event("t2 ") + "data: [DONE]\n\n", 0);
  }
  SECTION("a piece after [DONE]") {
    pieces.feed(event("t0 ") + event("t1 ") + "data: [DONE]\n\n" + event("t2 "), 0);
  }
  SECTION("[DONE] twice") {
    pieces.feed(event("t0 ") + event("t1 ") + "data: [DONE]\n\ndata: [DONE]\n\n", 0);
  }
  SECTION("[DONE] not ended by a blank line") {
    pieces.feed(event("t0 ") + event("t1 ") + "data: [DONE]\n", 0);
  }
  SECTION("an unterminated content string") {
    pieces.feed("data: {\"content\":\"t0\n\n", 0);
  }
  CHECK_FALSE(pieces.ok());
}

TEST_CASE("escapes in a piece are decoded, and compared as decoded") {
  std::vector<std::string> expected{"a\"b\\", "\\u00e9"};
  stream_pieces pieces(expected);
  pieces.feed(event("a\\\"b\\\\") + event("\\u00e9") + "data: [DONE]\n\n", 0);
  CHECK(pieces.ok());
}

TEST_CASE("with no pieces expected, pieces are timed and not checked") {
  std::vector<std::string> none;
  stream_pieces pieces(none);
  pieces.feed(event("anything") + event("else") + "data: [DONE]\n\n", 5);
  CHECK(pieces.ok());
  CHECK(pieces.piece_times().size() == 2);
  pieces.reset();
  CHECK_FALSE(pieces.ok());
  CHECK(pieces.piece_times().empty());
}
