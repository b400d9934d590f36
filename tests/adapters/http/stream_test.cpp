// Streamed answers (chunked), clients that go away, and clients that do
// not read: the server's side of streaming.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "adapters/http/server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_socket.hpp"

using namespace llmopt;
using namespace std::chrono_literals;
using llmopt::test::raw_socket;

namespace {

std::unique_ptr<http::server> start_server(http::handler h) {
  auto s = http::server::start({}, std::move(h));
  REQUIRE(s.ok());
  return std::move(s.value());
}

http::response sse_head() {
  http::response head;
  head.content_type = "text/event-stream";
  head.headers = {{"x-test", "1"}};
  return head;
}

const std::string get_request = "GET /s HTTP/1.1\r\nHost: x\r\n\r\n";

}  // namespace

TEST_CASE("a streamed answer arrives chunked, in order, and ends cleanly") {
  auto s = start_server([](http::request, http::responder reply) {
    auto head = sse_head();
    head.body = "first;";
    auto stream = reply.stream(std::move(head));
    REQUIRE(stream);
    std::thread([stream] {  // written later, from another thread
      for (int i = 0; i < 50; ++i)
        stream->write("part" + std::to_string(i) + ";");
      stream->end();
    })
        .detach();
  });
  auto r = test::http_get("http://" + s->address() + "/s");
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"] == "text/event-stream");
  CHECK(r.headers["transfer-encoding"] == "chunked");
  CHECK(r.headers["x-test"] == "1");
  std::string want = "first;";
  for (int i = 0; i < 50; ++i)
    want += "part" + std::to_string(i) + ";";
  CHECK(r.body == want);
}

TEST_CASE("a stream dropped without end() is cut: the client sees an incomplete body") {
  auto s = start_server([](http::request, http::responder reply) {
    auto stream = reply.stream(sse_head());
    stream->write("partial");
  });  // the handle goes out of scope here
  auto r = test::http_get("http://" + s->address() + "/s");
  CHECK(r.status == 0);  // curl: transfer closed with outstanding read data
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("keep-alive: the next request on the connection follows a stream") {
  std::atomic<int> n{0};
  auto s = start_server([&](http::request req, http::responder reply) {
    if (n++ == 0) {
      auto stream = reply.stream(sse_head());
      stream->write("streamed");
      stream->end();
    } else {
      http::response r;
      r.body = "second " + req.path;
      reply(std::move(r));
    }
  });
  raw_socket client(s->port());
  // Both requests at once: the second waits in the server's buffer.
  REQUIRE(client.send_all(get_request + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto text = client.read_until("second /two");
  CHECK(text.find("8\r\nstreamed\r\n0\r\n\r\n") != std::string::npos);
  CHECK(text.find("second /two") != std::string::npos);
}

TEST_CASE("an HTTP/1.0 client gets the stream unframed, ended by the close") {
  auto s = start_server([](http::request, http::responder reply) {
    auto stream = reply.stream(sse_head());
    stream->write("a");
    stream->write("b");
    stream->end();
  });
  raw_socket client(s->port());
  REQUIRE(client.send_all("GET /s HTTP/1.0\r\n\r\n"));
  auto text = client.read_until_close();
  CHECK(text.find("Transfer-Encoding") == std::string::npos);
  CHECK(text.find("Connection: close") != std::string::npos);
  CHECK(text.substr(text.size() - 4) == "\r\nab");
}

TEST_CASE("a client that goes away abandons its request, waiting or streaming") {
  for (const bool streaming : {false, true}) {
    std::promise<void> abandoned;
    std::promise<std::shared_ptr<http::response_stream>> started;
    std::optional<http::responder> waiting;  // kept unanswered, as a handler awaiting an upstream
    auto s = start_server([&](http::request, http::responder reply) {
      reply.on_abandon([&] { abandoned.set_value(); });
      if (!streaming) waiting = reply;
      started.set_value(streaming ? reply.stream(sse_head()) : nullptr);
    });
    raw_socket client(s->port());
    REQUIRE(client.send_all(get_request));
    auto stream = started.get_future().get();
    if (streaming) {
      REQUIRE(stream);
      CHECK(client.read_until("\r\n\r\n").find("200 OK") != std::string::npos);
    }
    const auto t0 = std::chrono::steady_clock::now();
    client.close(/*reset=*/!streaming);  // a reset once, an orderly close once
    REQUIRE(abandoned.get_future().wait_for(5s) == std::future_status::ready);
    INFO("streaming: " << streaming);
    CHECK(std::chrono::steady_clock::now() - t0 < 100ms);
    if (streaming) CHECK_FALSE(stream->write("after"));  // nobody to send to
  }
}

TEST_CASE("a client that does not read holds the stream back, and loses nothing") {
  // The producer writes 16 MiB in 64 KiB pieces, never more than 1 MiB
  // ahead of the socket; the client reads nothing until the producer is
  // held back, then everything.
  constexpr std::size_t piece = 64 * 1024, high = 1 << 20, total = 16u << 20;
  std::atomic<std::size_t> most_queued{0};
  std::promise<void> held_back;
  auto s = start_server([&](http::request, http::responder reply) {
    std::shared_ptr<http::response_stream> stream = reply.stream(sse_head());
    struct producer {
      std::shared_ptr<http::response_stream> stream;
      std::size_t written = 0;
      std::atomic<std::size_t>* most;
      std::promise<void>* held;
      bool signalled = false;
      void run(const std::shared_ptr<producer>& self) {
        while (written < total) {
          if (stream->queued_bytes() > high) {
            if (!signalled) signalled = true, held->set_value();
            return stream->when_drained(high / 2, [self] { self->run(self); });
          }
          std::string bytes(piece, static_cast<char>('a' + (written / piece) % 26));
          REQUIRE(stream->write(std::move(bytes)));
          written += piece;
          *most = std::max(most->load(), stream->queued_bytes());
        }
        stream->end();
      }
    };
    auto p = std::make_shared<producer>(producer{stream, 0, &most_queued, &held_back});
    std::thread([p] { p->run(p); }).detach();
  });
  raw_socket client(s->port(), 10s, 64 * 1024);
  REQUIRE(client.send_all(get_request));
  REQUIRE(held_back.get_future().wait_for(10s) == std::future_status::ready);
  CHECK(most_queued.load() <= high + piece);
  auto text = client.read_until("0\r\n\r\n");
  auto body_at = text.find("\r\n\r\n") + 4;
  std::string body;  // de-chunk
  for (std::size_t at = body_at;;) {
    auto eol = text.find("\r\n", at);
    REQUIRE(eol != std::string::npos);
    auto size = std::stoul(text.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    body += text.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
  REQUIRE(body.size() == total);
  for (std::size_t i = 0; i < total; i += piece)
    REQUIRE(body[i] == static_cast<char>('a' + (i / piece) % 26));
}
