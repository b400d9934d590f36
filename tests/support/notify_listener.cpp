#include "tests/support/notify_listener.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace llmopt::test {

notify_listener::notify_listener(std::string address) : address_(std::move(address)) {
  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  if (address_.empty() || address_.size() >= sizeof(local.sun_path))
    throw std::runtime_error("notify_listener: bad address " + address_);
  std::memcpy(local.sun_path, address_.data(), address_.size());
  const bool abstract = address_.front() == '@';
  if (abstract) local.sun_path[0] = '\0';
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() +
                                           (abstract ? 0 : 1));
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&local), size) != 0)
    throw std::runtime_error("notify_listener: cannot bind " + address_ + ": " +
                             std::strerror(errno));
}

notify_listener::~notify_listener() {
  if (fd_ >= 0) ::close(fd_);
  if (!address_.empty() && address_.front() == '/') ::unlink(address_.c_str());
}

std::optional<std::string> notify_listener::next(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return std::nullopt;
  char buffer[4096];
  const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n < 0) return std::nullopt;
  received_.emplace_back(buffer, static_cast<std::size_t>(n));
  return received_.back();
}

std::optional<std::string> notify_listener::await_line(const std::string& line,
                                                       std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto datagram = next(left);
    if (!datagram) return std::nullopt;
    const std::string text = "\n" + *datagram + "\n";
    if (text.find("\n" + line + "\n") != std::string::npos) return datagram;
  }
}

std::string unique_abstract_name() {
  static std::atomic<int> count{0};
  return "@llmopt-test-" + std::to_string(::getpid()) + "-" + std::to_string(++count);
}

}  // namespace llmopt::test
