#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace llmopt::test {

// A blocking TCP client on 127.0.0.1 for sending bytes no HTTP library would
// send. Every receive is bounded by `timeout`.
class raw_socket {
 public:
  explicit raw_socket(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~raw_socket();
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_all(const std::string& bytes);
  // Reads until the peer closes (or the timeout / an error); returns the bytes.
  std::string read_until_close();
  // True when the peer closed (or reset) the connection within the timeout.
  bool closed_by_peer();

 private:
  int fd_ = -1;
  bool eof_ = false;
};

}  // namespace llmopt::test
