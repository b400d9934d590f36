#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace llmopt::test {
namespace {

using clock = std::chrono::steady_clock;

// A child that exits while we write to its stdin must give a failed write,
// not kill the test with SIGPIPE.
const bool sigpipe_ignored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Reads what is available on fd into `into`; false on end of file.
bool read_some(int fd, std::string& into) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) {
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EINTR);
}

int spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
          int* in_fd, int* out_fd, int* err_fd) {
  int in[2], out[2], err[2];
  // Close-on-exec: a later child must not inherit these (a stdin pipe kept
  // open by another child would never deliver end-of-file).
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    env_strings.emplace_back(*e);
  for (const auto& e : extra_env)
    env_strings.push_back(e);
  std::vector<char*> args, env;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_strings)
    env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      ::close(fd);
    ::execve(args[0], args.data(), env.data());
    ::execvpe(args[0], args.data(), env.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  if (in_fd) {
    *in_fd = in[1];
  } else {
    ::close(in[1]);
  }
  *out_fd = out[0];
  *err_fd = err[0];
  return pid;
}

}  // namespace

run_result run(const std::vector<std::string>& argv, const std::string& input,
               std::chrono::milliseconds timeout) {
  int in_fd, out_fd, err_fd;
  int pid = spawn(argv, {}, &in_fd, &out_fd, &err_fd);
  // Inputs here are small (test messages); a blocking write cannot deadlock
  // unless the child stops reading, which the timeout below covers.
  std::size_t written = 0;
  while (written < input.size()) {
    ssize_t n = ::write(in_fd, input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(in_fd);
  run_result r;
  auto deadline = clock::now() + timeout;
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && clock::now() < deadline) {
    pollfd fds[2] = {{out_open ? out_fd : -1, POLLIN, 0}, {err_open ? err_fd : -1, POLLIN, 0}};
    ::poll(fds, 2, remaining_ms(deadline));
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) out_open = read_some(out_fd, r.out);
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) err_open = read_some(err_fd, r.err);
  }
  if (out_open || err_open) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out_fd);
  ::close(err_fd);
  if (!out_open && !err_open && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

child_process::child_process(const std::vector<std::string>& argv,
                             const std::vector<std::string>& extra_env, bool with_stdin) {
  pid_ = spawn(argv, extra_env, with_stdin ? &in_fd_ : nullptr, &out_fd_, &err_fd_);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
}

bool child_process::write_stdin(const std::string& data) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(in_fd_, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

void child_process::close_stdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

child_process::~child_process() {
  close_stdin();
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ::close(out_fd_);
  ::close(err_fd_);
  if (pidfd_ >= 0) ::close(pidfd_);
}

void child_process::drain(int fd, std::string& into, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return;
    if (!read_some(fd, into)) return;
    if (clock::now() >= deadline) return;
  }
}

std::optional<std::string> child_process::await_line(
    const std::function<bool(const std::string&)>& match, std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto nl = out_.find('\n', consumed_);
    while (nl != std::string::npos) {
      std::string line = out_.substr(consumed_, nl - consumed_);
      consumed_ = nl + 1;
      if (match(line)) return line;
      nl = out_.find('\n', consumed_);
    }
    if (clock::now() >= deadline) return std::nullopt;
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    ::poll(fds, 2, remaining_ms(deadline));
    if (fds[1].revents & POLLIN) read_some(err_fd_, err_);
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      if (!read_some(out_fd_, out_)) return std::nullopt;
    }
  }
}

void child_process::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  auto deadline = clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      drain(out_fd_, out_, std::chrono::milliseconds(200));
      drain(err_fd_, err_, std::chrono::milliseconds(200));
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (clock::now() >= deadline) return std::nullopt;
    // Wait for the exit (a pidfd becomes readable) while draining the pipes
    // so that the child never blocks on a full one.
    pollfd fds[3] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    ::poll(fds, 3, pidfd_ >= 0 ? remaining_ms(deadline) : std::min(remaining_ms(deadline), 10));
    if (fds[0].revents & POLLIN) read_some(out_fd_, out_);
    if (fds[1].revents & POLLIN) read_some(err_fd_, err_);
  }
}

const std::string& child_process::err() {
  drain(err_fd_, err_, std::chrono::milliseconds(0));
  return err_;
}

}  // namespace llmopt::test
