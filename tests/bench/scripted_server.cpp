#include "tests/bench/scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace llmopt::test {

namespace {

int listen_on_loopback() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 128) != 0)
    throw std::runtime_error("scripted_server: cannot listen");
  return fd;
}

int port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// Reads one request (head and Content-Length body) from `pending`'s front
// into `body`; false when the client went away first.
bool read_request(int fd, std::string& pending, std::string& body) {
  char buf[65536];
  for (;;) {
    auto head_end = pending.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::size_t length = 0;
      auto at = pending.find("Content-Length: ");
      if (at != std::string::npos && at < head_end) length = std::stoul(pending.substr(at + 16));
      if (pending.size() >= head_end + 4 + length) {
        body = pending.substr(head_end + 4, length);
        pending.erase(0, head_end + 4 + length);
        return true;
      }
    }
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

scripted_server::scripted_server(std::function<answer(int)> script)
    : script_(std::move(script)), listen_fd_(listen_on_loopback()), port_(port_of(listen_fd_)) {
  acceptor_ = std::thread([this] { accept_loop(); });
}

scripted_server::~scripted_server() {
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : connections_)
      ::shutdown(fd, SHUT_RDWR);  // wakes recv()
  }
  for (auto& t : threads_)
    t.join();
  for (int fd : connections_)
    ::close(fd);
  ::close(listen_fd_);
}

void scripted_server::accept_loop() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void scripted_server::serve(int fd) {
  std::string pending;
  std::string body;
  while (read_request(fd, pending, body)) {
    int n = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      n = requests_++;
      bodies_.push_back(body);
    }
    auto reply = script_(n);
    if (reply.silent) continue;
    for (std::size_t sent = 0; sent < reply.bytes.size();) {
      auto k = ::send(fd, reply.bytes.data() + sent, reply.bytes.size() - sent, MSG_NOSIGNAL);
      if (k <= 0) return;
      sent += static_cast<std::size_t>(k);
    }
    if (reply.close_after) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

std::vector<std::string> scripted_server::bodies() {
  std::lock_guard<std::mutex> lock(mutex_);
  return bodies_;
}

int unused_port() {
  int fd = listen_on_loopback();
  int port = port_of(fd);
  ::close(fd);
  return port;
}

}  // namespace llmopt::test
