#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmopt::test {

// An HTTP server on 127.0.0.1 that answers the n-th request it reads (from
// 0, over all connections) with bytes the test scripts: answers no real
// server would send. Requests are read whole (head, Content-Length body).
// One blocking thread per connection; the destructor shuts every socket
// down and joins them.
class scripted_server {
 public:
  struct answer {
    std::string bytes;
    bool close_after = false;  // close the connection once written
    bool silent = false;       // send nothing, keep the connection open
  };

  explicit scripted_server(std::function<answer(int request)> script);
  ~scripted_server();
  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  int port() const { return port_; }
  // The bodies of the requests read so far, in the order they were read.
  std::vector<std::string> bodies();

 private:
  void accept_loop();
  void serve(int fd);

  std::function<answer(int)> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mutex_;  // guards what follows
  int requests_ = 0;
  std::vector<std::string> bodies_;
  std::vector<int> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A port on 127.0.0.1 where nothing listens (it was free a moment ago).
int unused_port();

}  // namespace llmopt::test
