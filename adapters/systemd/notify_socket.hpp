#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <string>

#include "decision/result.hpp"

namespace llmopt {

// The service manager's notification socket: systemd's sd_notify(3)
// protocol, spoken directly (one datagram of "NAME=value" lines on an
// AF_UNIX socket) instead of linking libsystemd for one sendto.
//
// Lifecycle: open() once at start, with the address the service manager
// passed in $NOTIFY_SOCKET (the caller reads the environment); send() as
// often as needed; the socket closes with the object.
//
// Threading: send() may be called from any thread, concurrently.
//
// It never blocks and never raises a signal: the socket is non-blocking, so
// a manager that stopped reading makes send() fail with EAGAIN instead of
// stalling the daemon, and a socket that is gone fails with ENOENT or
// ECONNREFUSED. Failures are values; the daemon logs them and goes on, as
// notifications only inform the manager.
class notify_socket {
 public:
  // `address`: a filesystem path ("/run/systemd/notify"), or '@' and a name
  // in the abstract namespace ("@llmopt-test"), as systemd sets
  // NOTIFY_SOCKET. An error when the address is empty, relative, too long
  // for sockaddr_un, or no socket can be created.
  static result<notify_socket> open(const std::string& address);

  notify_socket(notify_socket&& other) noexcept;
  notify_socket& operator=(notify_socket&& other) noexcept;
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;
  ~notify_socket();

  // Sends `state`, e.g. "READY=1" or "STOPPING=1\nSTATUS=shutting down", as
  // one datagram. Errors name the address and the errno text.
  status send(const std::string& state) const;

  const std::string& address() const { return address_; }

 private:
  notify_socket(int fd, sockaddr_un peer, socklen_t peer_size, std::string address);

  int fd_ = -1;
  sockaddr_un peer_{};
  socklen_t peer_size_ = 0;
  std::string address_;
};

}  // namespace llmopt
