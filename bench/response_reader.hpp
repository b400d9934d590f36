#pragma once

// Reads HTTP/1.1 responses from the bytes of a connection as they arrive,
// one at a time, within bounds: for the gateway bench's load generator,
// which must survive any byte sequence a server sends.

#include <cstdint>
#include <string>
#include <string_view>

namespace llmopt {

class stream_pieces;

// The status line and head (interim 1xx answers skipped), then the body
// framed by Content-Length, by chunked transfer coding (decoded; trailers
// read and ignored) or by the end of the connection. The decoded body goes
// to a stream_pieces when one is given, else nowhere. A head over
// `head_bytes`, a body over `body_bytes`, a chunk size line over 4 KiB or
// anything that breaks the framing fails the response. Not thread-safe.
struct response_limits {
  std::size_t head_bytes = 64 * 1024;        // the status line and headers, with the blank line
  std::size_t body_bytes = 8 * 1024 * 1024;  // the decoded body
};

class response_reader {
 public:
  enum class state { head, body, done, failed };

  explicit response_reader(response_limits limits = {}) : limits_(limits) {}

  // Starts reading the next response. `pieces`, when not null, receives its
  // decoded body and must outlive the response.
  void start(stream_pieces* pieces);
  // Reads bytes received at `now_ns`. Returns how many of them belong to
  // this response: all of them unless it is done or failed at the end.
  std::size_t feed(std::string_view bytes, std::int64_t now_ns);
  // The peer ended the connection: a body framed by the end is done; any
  // other unfinished response fails.
  void end_of_input();

  state current() const { return state_; }
  int status() const { return status_; }  // once the head is read
  // Whether the connection may carry another request after this response:
  // HTTP/1.1, no "Connection: close", a body not framed by the end.
  bool reusable() const { return reusable_; }

 private:
  enum class framing { length, chunked, until_close };
  enum class chunk_step { size_line, data, data_end, trailer };

  std::size_t read_head(std::string_view bytes);
  void parse_head();
  std::size_t read_body(std::string_view bytes, std::int64_t now_ns);
  std::size_t read_chunked(std::string_view bytes, std::int64_t now_ns);
  void on_chunk_line(std::string_view line);
  void deliver(std::string_view data, std::int64_t now_ns);
  void fail() { state_ = state::failed; }

  response_limits limits_;
  state state_ = state::failed;  // until start()
  stream_pieces* pieces_ = nullptr;
  std::string head_;  // the head read so far
  int status_ = 0;
  bool reusable_ = false;
  framing framing_ = framing::length;
  std::uint64_t remaining_ = 0;  // of the Content-Length body, or of the current chunk
  std::uint64_t body_read_ = 0;
  chunk_step step_ = chunk_step::size_line;
  std::string line_;  // the chunk size line, chunk end or trailer line being read
  std::size_t trailer_bytes_ = 0;
};

}  // namespace llmopt
