#include <catch2/catch.hpp>

#include "adapters/providers/sse_reader.hpp"

using namespace llmopt;

TEST_CASE("sse reader: events, names, multi-line data, comments and line endings") {
  sse_reader reader;
  std::vector<sse_event> events;
  const std::string text =
      ": hello\n"
      "event: message_start\ndata: {\"a\":1}\n\n"
      "data: line one\r\ndata:line two\r\n\r\n"
      "id: 7\nretry: 10\ndata: x\r\r"
      "event: ping\n\n"  // no data: dropped
      "data: tail";
  for (char c : text)  // one byte at a time
    REQUIRE(reader.feed(std::string_view(&c, 1), events).ok());
  REQUIRE(events.size() == 3);
  CHECK(events[0].name == "message_start");
  CHECK(events[0].data == "{\"a\":1}");
  CHECK(events[1].name.empty());
  CHECK(events[1].data == "line one\nline two");
  CHECK(events[2].data == "x");
  CHECK(reader.mid_event());  // "data: tail" was never dispatched
}

TEST_CASE("sse reader: an event over the bound is an error, and the reader stops") {
  sse_reader reader(16);
  std::vector<sse_event> events;
  CHECK(reader.feed("data: 0123456789", events).ok());
  auto st = reader.feed("abcdef\n\n", events);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == "too_large");
  CHECK_FALSE(reader.feed("data: x\n\n", events).ok());
  CHECK(events.empty());
}

TEST_CASE("line reader: NDJSON lines, CRLF, blank lines, a bound") {
  line_reader reader(10);
  std::vector<std::string> lines;
  REQUIRE(reader.feed("{\"a\":1}\r\n\n{\"b\"", lines).ok());
  REQUIRE(reader.feed(":2}\n", lines).ok());
  CHECK(lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  REQUIRE(reader.feed("xyz", lines).ok());
  CHECK(reader.rest() == "xyz");
  CHECK_FALSE(reader.feed("0123456789", lines).ok());
}
