#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace llmopt::test {

// A stand-in for systemd's notification socket: an AF_UNIX datagram socket
// bound to a path or to an abstract name, whose datagrams a test awaits.
// Written apart from adapters/systemd so that the two check each other.
class notify_listener {
 public:
  // `address` as NOTIFY_SOCKET says it: a path (bound there, removed by the
  // destructor), or '@' and a name in the abstract namespace. Throws when
  // it cannot bind.
  explicit notify_listener(std::string address);
  ~notify_listener();
  notify_listener(const notify_listener&) = delete;
  notify_listener& operator=(const notify_listener&) = delete;

  const std::string& address() const { return address_; }

  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  // Datagrams until one has the line `line` (e.g. "READY=1"); returns that
  // datagram, or nullopt at the deadline. Every datagram read is kept in
  // received().
  std::optional<std::string> await_line(const std::string& line, std::chrono::milliseconds timeout);
  const std::vector<std::string>& received() const { return received_; }

 private:
  std::string address_;
  int fd_ = -1;
  std::vector<std::string> received_;
};

// An abstract socket name no other test process uses: "@llmopt-test-PID-N".
std::string unique_abstract_name();

}  // namespace llmopt::test
