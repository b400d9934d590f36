// The load generator's HTTP response reader: framings, bounds, and bytes in
// any split or of any kind.

#include <catch2/catch.hpp>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/response_reader.hpp"
#include "bench/stream_pieces.hpp"

using namespace llmopt;
using state = response_reader::state;

namespace {

// Feeds `bytes` one at a time; returns how many were used.
std::size_t feed_bytewise(response_reader& reader, const std::string& bytes) {
  std::size_t used = 0;
  for (char c : bytes)
    used += reader.feed(std::string_view(&c, 1), 0);
  return used;
}

std::string chunk(const std::string& data, const std::string& extension = {}) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return size + extension + "\r\n" + data + "\r\n";
}

// An SSE stream whose event lines are split across chunks.
const std::string chunked_stream = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                   chunk("data: {\"content") + chunk("\":\"t0 \"}\n\ndata") +
                                   chunk(": [DONE]\n\n", ";ext=1") + "0\r\nX-Trailer: 1\r\n\r\n";

}  // namespace

TEST_CASE("a Content-Length answer read byte by byte is done, and reusable") {
  response_reader reader;
  reader.start(nullptr);
  std::string answer = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
  CHECK(feed_bytewise(reader, answer) == answer.size());
  CHECK(reader.current() == state::done);
  CHECK(reader.status() == 200);
  CHECK(reader.reusable());
}

TEST_CASE("a chunked stream is decoded across any split, trailers read") {
  std::vector<std::string> expected{"t0 "};
  for (std::size_t split = 1; split < chunked_stream.size(); ++split) {
    stream_pieces pieces(expected);
    response_reader reader;
    reader.start(&pieces);
    auto used = reader.feed(std::string_view(chunked_stream).substr(0, split), 1);
    used += reader.feed(std::string_view(chunked_stream).substr(split), 2);
    CHECK(used == chunked_stream.size());
    REQUIRE(reader.current() == state::done);
    CHECK(pieces.ok());
    CHECK(pieces.piece_times().size() == 1);
  }
}

TEST_CASE("interim 1xx answers are skipped") {
  response_reader reader;
  reader.start(nullptr);
  reader.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0);
  CHECK(reader.current() == state::done);
  CHECK(reader.status() == 201);
}

TEST_CASE("an answer that ends the connection is not reusable") {
  response_reader reader;
  SECTION("Connection: close") {
    reader.start(nullptr);
    reader.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0);
    CHECK(reader.current() == state::done);
    CHECK_FALSE(reader.reusable());
  }
  SECTION("HTTP/1.0") {
    reader.start(nullptr);
    reader.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0);
    CHECK_FALSE(reader.reusable());
  }
  SECTION("a body to the end of the connection") {
    reader.start(nullptr);
    reader.feed("HTTP/1.1 200 OK\r\n\r\nsome body", 0);
    CHECK(reader.current() == state::body);
    reader.end_of_input();
    CHECK(reader.current() == state::done);
    CHECK_FALSE(reader.reusable());
  }
}

TEST_CASE("bytes after the answer are left unused") {
  response_reader reader;
  reader.start(nullptr);
  std::string answer = "HTTP/1.1 204 No Content\r\n\r\n";
  CHECK(reader.feed(answer + "extra", 0) == answer.size());
  CHECK(reader.current() == state::done);
}

TEST_CASE("broken framing fails the answer") {
  response_reader reader;
  reader.start(nullptr);
  std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  SECTION("a chunk size that is not hexadecimal") {
    reader.feed(head + "zz\r\n", 0);
  }
  SECTION("a chunk not ended by CRLF") {
    reader.feed(head + "2\r\nabcd\r\n", 0);
  }
  SECTION("a chunk size line over 4 KiB") {
    reader.feed(head + std::string(5000, '0'), 0);
  }
  SECTION("a Content-Length that is not a number") {
    reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 0);
  }
  SECTION("a status line that is not HTTP") {
    reader.feed("HTTP/2 200\r\n\r\n", 0);
  }
  SECTION("cut before the end") {
    reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0);
    reader.end_of_input();
  }
  CHECK(reader.current() == state::failed);
}

TEST_CASE("the head and body bounds fail the answer") {
  response_reader reader({1024, 100});
  SECTION("head") {
    reader.start(nullptr);
    reader.feed("HTTP/1.1 200 OK\r\nX: " + std::string(2000, 'a'), 0);
  }
  SECTION("announced body") {
    reader.start(nullptr);
    reader.feed("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 0);
  }
  SECTION("chunked body") {
    reader.start(nullptr);
    reader.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                    std::string(64, 'a') + "\r\n40\r\n",
                0);
  }
  SECTION("body to the end") {
    reader.start(nullptr);
    reader.feed("HTTP/1.1 200 OK\r\n\r\n" + std::string(101, 'a'), 0);
  }
  CHECK(reader.current() == state::failed);
}

TEST_CASE("random bytes in random splits never crash the reader") {
  std::mt19937 random(42);
  std::vector<std::string> expected{"t0 ", "t1 "};
  const std::string alphabet =
      "HTTP/1.1 200\r\n:0123456789abcdefTransfer-Encoding chunked data[DONE]\"";
  for (int round = 0; round < 2000; ++round) {
    stream_pieces pieces(expected);
    response_reader reader({512, 4096});
    reader.start(&pieces);
    std::string bytes = round % 2 ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" : "";
    auto size = random() % 600;
    for (unsigned i = 0; i < size; ++i)
      bytes += random() % 2 ? alphabet[random() % alphabet.size()] : static_cast<char>(random());
    std::size_t at = 0;
    while (at < bytes.size() &&
           (reader.current() == state::head || reader.current() == state::body)) {
      auto take = 1 + random() % 64;
      at += reader.feed(std::string_view(bytes).substr(at, take), 0);
    }
    reader.end_of_input();
    CHECK((reader.current() == state::done || reader.current() == state::failed));
  }
}
