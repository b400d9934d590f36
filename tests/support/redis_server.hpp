#pragma once

#include <memory>
#include <string>

#include "tests/support/process.hpp"

namespace llmopt::test {

// redis-server (Debian's) as a child process on a free 127.0.0.1 port, in
// memory only (no RDB, no AOF), awaited until it accepts connections.
// FAILs when redis-server is not installed (deploy/install-deps.sh).
class redis_server {
 public:
  redis_server();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // SIGKILL, reaped: Redis gone.
  void kill();
  // SIGSTOP / SIGCONT: Redis there (it accepts connections) but silent.
  void freeze();
  void thaw();

 private:
  int port_ = 0;
  std::unique_ptr<child_process> process_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace llmopt::test
