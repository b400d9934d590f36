#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace llmopt::test {

// A blocking TCP client on 127.0.0.1 for sending bytes no HTTP library would
// send. Every receive is bounded by `timeout`.
class raw_socket {
 public:
  // `receive_buffer_bytes` > 0 sets SO_RCVBUF before connecting: a small one
  // makes a client that does not read push back on the server quickly.
  explicit raw_socket(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5),
                      int receive_buffer_bytes = 0);
  ~raw_socket();
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_all(const std::string& bytes);
  // Reads until the peer closes (or the timeout / an error); returns the bytes.
  std::string read_until_close();
  // True when the peer closed (or reset) the connection within the timeout.
  bool closed_by_peer();
  // Reads until what was read (from the start of this call) contains
  // `marker`, the peer closes, or the timeout; returns the bytes read.
  std::string read_until(const std::string& marker);
  // Closes the connection at once (RST with SO_LINGER 0 when `reset`).
  void close(bool reset = false);

 private:
  int fd_ = -1;
  bool eof_ = false;
};

}  // namespace llmopt::test
