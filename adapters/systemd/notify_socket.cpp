#include "adapters/systemd/notify_socket.hpp"

#include <unistd.h>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

namespace llmopt {

result<notify_socket> notify_socket::open(const std::string& address) {
  auto refuse = [&](const std::string& why) {
    return error{"notify_socket", "NOTIFY_SOCKET \"" + address + "\": " + why};
  };
  if (address.empty()) return refuse("empty");
  const bool abstract = address.front() == '@';
  if (!abstract && address.front() != '/')
    return refuse("neither an absolute path nor '@' and an abstract name");
  sockaddr_un peer{};
  peer.sun_family = AF_UNIX;
  // An abstract name has no terminating NUL; a path needs room for one.
  if (address.size() + (abstract ? 0 : 1) > sizeof(peer.sun_path)) return refuse("too long");
  std::memcpy(peer.sun_path, address.data(), address.size());
  if (abstract) peer.sun_path[0] = '\0';
  // The address length counts exactly the name's bytes: an abstract name is
  // matched on all of them, trailing NULs included.
  const auto size =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (abstract ? 0 : 1));
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return refuse(std::string("socket: ") + std::strerror(errno));
  return notify_socket(fd, peer, size, address);
}

notify_socket::notify_socket(int fd, sockaddr_un peer, socklen_t peer_size, std::string address)
    : fd_(fd), peer_(peer), peer_size_(peer_size), address_(std::move(address)) {}

notify_socket::notify_socket(notify_socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      peer_(other.peer_),
      peer_size_(other.peer_size_),
      address_(std::move(other.address_)) {}

notify_socket& notify_socket::operator=(notify_socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    peer_ = other.peer_;
    peer_size_ = other.peer_size_;
    address_ = std::move(other.address_);
  }
  return *this;
}

notify_socket::~notify_socket() {
  if (fd_ >= 0) ::close(fd_);
}

status notify_socket::send(const std::string& state) const {
  const auto* peer = reinterpret_cast<const sockaddr*>(&peer_);
  ssize_t sent;
  do {
    sent = ::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT, peer, peer_size_);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return error{"notify_socket", "cannot notify " + address_ + ": " + std::strerror(errno)};
  return ok_status();
}

}  // namespace llmopt
