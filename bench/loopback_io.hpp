#pragma once

// Loopback plumbing shared by the gateway bench's fixed upstream and its
// load generator: an owned file descriptor, TCP on 127.0.0.1 (non-blocking,
// TCP_NODELAY), an epoll set that waits until a deadline in nanoseconds, the
// monotonic clock and a thread's CPU clock. Linux only.

#include <sys/epoll.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <utility>

namespace llmopt {

// Owns one file descriptor and closes it once. Move-only.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// CLOCK_MONOTONIC in nanoseconds (the clock of std::chrono::steady_clock).
std::int64_t monotonic_ns();

// CPU time used so far by the thread whose CPU clock is `clock`
// (pthread_getcpuclockid, or CLOCK_THREAD_CPUTIME_ID for the caller).
double cpu_seconds_of(clockid_t clock);

// A non-blocking listening socket on 127.0.0.1 at a port the kernel chooses;
// invalid (errno set) when that fails.
unique_fd listen_on_loopback();
// The local port of a bound socket.
int local_port(int fd);
// One pending connection, non-blocking with TCP_NODELAY; invalid when none is
// pending or accepting failed (errno set).
unique_fd accept_connection(int listen_fd);
// Starts connecting to 127.0.0.1:port, non-blocking with TCP_NODELAY. Sets
// `in_progress` when the outcome comes later (the socket becomes writable;
// read it with connect_error). Invalid (errno set) when it failed at once.
unique_fd connect_to_loopback(int port, bool& in_progress);
// A finished non-blocking connect's outcome: 0, or the errno value.
int connect_error(int fd);

// What writing the rest of a buffer to a non-blocking socket came to.
enum class send_outcome { done, blocked, failed };

// Sends bytes[written..] until done, the socket is full (blocked: wait for
// EPOLLOUT) or it fails; `written` counts what went.
send_outcome send_rest(int fd, const std::string& bytes, std::size_t& written);

// Grows the process's descriptor table now to hold `count` descriptors (at
// most RLIMIT_NOFILE). The kernel grows it by doubling when a descriptor
// past its end is opened and, while other threads share it, waits out an RCU
// grace period to do so: tens of milliseconds on a VM, which a timed run
// must not see. The table never shrinks.
void reserve_descriptors(int count);

// A connection's epoll tag: its descriptor and a serial, so that an event
// for a descriptor closed and reused since is recognised.
std::uint64_t tag_of(int fd, std::uint32_t serial);

// An epoll set whose events carry a 64-bit tag. Not thread-safe.
class epoll_set {
 public:
  epoll_set();  // throws std::system_error when epoll_create1 fails
  bool add(int fd, std::uint32_t events, std::uint64_t tag);
  bool modify(int fd, std::uint32_t events, std::uint64_t tag);
  // Watches `fd` (always for input) for room to write too, or no longer;
  // `watching` is whether it does now, so epoll_ctl runs only on a change.
  void watch_output(int fd, std::uint64_t tag, bool on, bool& watching);
  // Waits for events until `deadline_ns` (monotonic_ns; < 0: no deadline)
  // with nanosecond resolution (epoll_pwait2). Returns the number of events
  // written to `out` (0 at the deadline or on EINTR).
  int wait(epoll_event* out, int capacity, std::int64_t deadline_ns);

 private:
  unique_fd fd_;
};

// Sets the calling thread's timer slack (how late the kernel may wake it)
// for its lifetime and restores the previous value after. The default 50 µs
// would show as latency in a generator that sends at exact times.
class scoped_timer_slack {
 public:
  explicit scoped_timer_slack(unsigned long ns);
  ~scoped_timer_slack();
  scoped_timer_slack(const scoped_timer_slack&) = delete;
  scoped_timer_slack& operator=(const scoped_timer_slack&) = delete;

 private:
  long previous_;
};

}  // namespace llmopt
