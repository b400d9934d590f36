#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llmopt::test {

// The outcome of a command run to completion.
struct run_result {
  int exit_code = -1;  // -1 when it was killed or timed out
  std::string out;
  std::string err;
};

// Runs argv[0] with argv, feeding `input` on stdin; kills it after `timeout`.
run_result run(const std::vector<std::string>& argv, const std::string& input = {},
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A child process with stdout and stderr captured. The destructor kills a
// child that is still running (SIGKILL) and reaps it.
class child_process {
 public:
  // With `with_stdin`, the child's stdin is a pipe fed by write_stdin();
  // otherwise it reads end-of-file.
  explicit child_process(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {}, bool with_stdin = false);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const { return pid_; }

  // Reads stdout until a line satisfies `match`; returns that line, or
  // nullopt on end of output or timeout. Lines read are kept in out().
  std::optional<std::string> await_line(const std::function<bool(const std::string&)>& match,
                                        std::chrono::milliseconds timeout);

  void signal(int sig);
  // Writes all of `data` to the child's stdin (blocking while the pipe is
  // full); false when the child stopped reading. close_stdin() sends EOF.
  bool write_stdin(const std::string& data);
  void close_stdin();
  // Waits for exit; returns the exit code, 128+signal if killed by one, or
  // nullopt on timeout. Collects remaining output.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  const std::string& out() const { return out_; }
  // Everything on stderr so far (drained without blocking).
  const std::string& err();

 private:
  void drain(int fd, std::string& into, std::chrono::milliseconds timeout);

  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int pidfd_ = -1;
  int in_fd_ = -1;  // readable when the child exits; -1 where unsupported
  std::string out_;
  std::string err_;
  std::size_t consumed_ = 0;  // of out_, by await_line
  std::optional<int> status_;
};

}  // namespace llmopt::test
