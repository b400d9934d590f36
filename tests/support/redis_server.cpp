#include "tests/support/redis_server.hpp"

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace llmopt::test {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
  ::close(fd);
  REQUIRE(bound);
  return ntohs(addr.sin_port);
}

redis_server::redis_server() {
  if (::access("/usr/bin/redis-server", X_OK) != 0)
    FAIL("redis-server is not installed: run deploy/install-deps.sh");
  port_ = free_port();
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no"});
  auto ready = process_->await_line(
      [](const std::string& line) {
        return line.find("Ready to accept connections") != std::string::npos;
      },
      std::chrono::seconds(10));
  INFO(process_->out() << process_->err());
  REQUIRE(ready.has_value());
}

void redis_server::kill() {
  process_->signal(SIGKILL);
  REQUIRE(process_->wait(std::chrono::seconds(10)));
}

void redis_server::freeze() {
  process_->signal(SIGSTOP);
}

void redis_server::thaw() {
  process_->signal(SIGCONT);
}

}  // namespace llmopt::test
