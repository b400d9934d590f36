#include "bench/fixed_upstream.hpp"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <system_error>
#include <vector>

#include "bench/fixed_answer.hpp"
#include "bench/http_scan.hpp"
#include "bench/loopback_io.hpp"

namespace llmopt {

namespace {

constexpr std::size_t max_head_bytes = 64 * 1024;
constexpr std::size_t max_body_bytes = 1024 * 1024;
// Past this much queued for a client that does not read, its next requests
// wait unread.
constexpr std::size_t max_unsent_bytes = 1024 * 1024;
constexpr std::size_t read_bytes = 64 * 1024;
constexpr int reserved_descriptors = 8192;  // connections served without growing the table
constexpr std::uint64_t listener_tag = ~std::uint64_t{0};
constexpr std::uint64_t wake_tag = listener_tag - 1;

// When the next chunk of the stream on connection (fd, serial) is due. A
// connection gone since is recognised by its serial when the time comes.
struct paced_chunk {
  std::int64_t due_ns;
  int fd;
  std::uint32_t serial;
  bool operator>(const paced_chunk& other) const { return due_ns > other.due_ns; }
};

struct connection {
  unique_fd fd;
  std::uint32_t serial = 0;
  std::string in;                // received, not yet answered
  std::size_t head_scanned = 0;  // `in` holds no "\r\n\r\n" starting before this
  bool continue_sent = false;
  std::string out;  // answers not yet written, from out_written on
  std::size_t out_written = 0;
  bool watching_out = false;                          // EPOLLOUT wanted: the socket was full
  bool close_when_sent = false;                       // the request said "Connection: close"
  std::optional<fixed_answer::stream_events> stream;  // the stream being answered
  int next_token = 0;
  std::int64_t stream_start_ns = 0;
};

enum class request_outcome { answered, incomplete, refused };

}  // namespace

// Everything below runs on the serving thread, except stop().
class fixed_upstream::loop {
 public:
  loop(fixed_upstream_options options, std::atomic<unsigned long long>& answered)
      : options_(options),
        answered_(answered),
        listener_(listen_on_loopback()),
        wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        created_(static_cast<std::int64_t>(std::time(nullptr))),
        read_buffer_(read_bytes) {
    if (!listener_ || !wake_) throw std::system_error(errno, std::generic_category(), "listen");
    reserve_descriptors(reserved_descriptors);
    epoll_.add(listener_.get(), EPOLLIN, listener_tag);
    epoll_.add(wake_.get(), EPOLLIN, wake_tag);
  }

  int port() const { return local_port(listener_.get()); }

  void run() {
    scoped_timer_slack slack(1000);
    epoll_event events[256];
    while (!stopping_.load()) {
      auto deadline = timers_.empty() ? -1 : timers_.top().due_ns;
      int n = epoll_.wait(events, 256, deadline);
      for (int i = 0; i < n; ++i)
        on_event(events[i].data.u64, events[i].events);
      send_due_chunks();
    }
  }

  void stop() {
    stopping_.store(true);
    std::uint64_t one = 1;
    [[maybe_unused]] auto ignored = ::write(wake_.get(), &one, sizeof one);
  }

 private:
  void on_event(std::uint64_t tag, std::uint32_t events) {
    if (tag == listener_tag) return accept_all();
    if (tag == wake_tag) return;
    auto* c = find(static_cast<int>(tag & 0xffffffff), static_cast<std::uint32_t>(tag >> 32));
    if (!c) return;  // closed earlier in this batch
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !read_from(*c)) return;
    if ((events & EPOLLOUT) && c->watching_out && flush(*c)) answer_requests(*c);
  }

  void accept_all() {
    for (;;) {
      auto fd = accept_connection(listener_.get());
      if (!fd) return;  // none pending (or out of descriptors: the next event retries)
      auto c = std::make_unique<connection>();
      c->serial = next_serial_++;
      int n = fd.get();
      c->fd = std::move(fd);
      if (!epoll_.add(n, EPOLLIN, tag_of(n, c->serial))) continue;
      if (static_cast<std::size_t>(n) >= connections_.size()) connections_.resize(n + 1);
      connections_[n] = std::move(c);
    }
  }

  connection* find(int fd, std::uint32_t serial) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= connections_.size()) return nullptr;
    auto* c = connections_[fd].get();
    return c && c->serial == serial ? c : nullptr;
  }

  // The connection is gone afterwards: the caller must not touch it.
  void close(connection& c) { connections_[c.fd.get()].reset(); }

  // Returns false when the connection was closed.
  bool read_from(connection& c) {
    auto n = ::recv(c.fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0 || c.in.size() + static_cast<std::size_t>(n) > max_head_bytes + max_body_bytes) {
      close(c);  // the client's end of stream, a reset, or more than one request may be
      return false;
    }
    c.in.append(read_buffer_.data(), static_cast<std::size_t>(n));
    return answer_requests(c);
  }

  // Answers the complete requests in `in`, in order, until a stream is in
  // progress; then writes. Returns false when the connection was closed.
  bool answer_requests(connection& c) {
    while (!c.stream && !c.close_when_sent && c.out.size() - c.out_written <= max_unsent_bytes) {
      auto outcome = answer_one(c);
      if (outcome == request_outcome::refused) {
        close(c);
        return false;
      }
      if (outcome == request_outcome::incomplete) break;
    }
    return flush(c);
  }

  request_outcome answer_one(connection& c) {
    auto head_end = c.in.find("\r\n\r\n", c.head_scanned);
    if (head_end == std::string::npos) {
      if (c.in.size() > max_head_bytes) return request_outcome::refused;
      c.head_scanned = c.in.size() < 3 ? 0 : c.in.size() - 3;
      return request_outcome::incomplete;
    }
    auto body_start = head_end + 4;
    std::string_view head(c.in.data(), head_end + 2);
    auto request_line = head.substr(0, head.find("\r\n"));
    if (body_start > max_head_bytes || request_line.find(" HTTP/1.") == std::string_view::npos ||
        scan::header_value(head, "Transfer-Encoding"))
      return request_outcome::refused;
    std::uint64_t length = 0;
    if (auto text = scan::header_value(head, "Content-Length")) {
      auto value = scan::parse_decimal(*text, max_body_bytes);
      if (!value) return request_outcome::refused;
      length = *value;
    }
    if (c.in.size() - body_start < length) {
      auto expect = scan::header_value(head, "Expect");
      if (!c.continue_sent && expect && scan::iequals(*expect, "100-continue")) {
        c.out.append("HTTP/1.1 100 Continue\r\n\r\n");
        c.continue_sent = true;
      }
      c.head_scanned = head_end;
      return request_outcome::incomplete;
    }
    auto connection_header = scan::header_value(head, "Connection");
    c.close_when_sent = connection_header && scan::has_token(*connection_header, "close");
    answer(c, request_line.substr(0, request_line.find(' ')),
           std::string_view(c.in).substr(body_start, length));
    c.in.erase(0, body_start + length);
    c.head_scanned = 0;
    c.continue_sent = false;
    return request_outcome::answered;
  }

  void answer(connection& c, std::string_view method, std::string_view body) {
    if (method != "POST") {
      fixed_answer::append_error(c.out, "405 Method Not Allowed", "POST a chat completion");
      ++answered_;
    } else if (scan::json_is_true(body, "stream")) {
      c.stream.emplace(fixed_answer::echoed_model(body), next_answer_id_++, created_);
      c.stream->append_head(c.out);
      c.stream_start_ns = monotonic_ns();
      c.next_token = 0;
      advance_stream(c);
    } else {
      fixed_answer::append_completion(c.out, fixed_answer::echoed_model(body), next_answer_id_++,
                                      created_);
      ++answered_;
    }
  }

  // Queues the stream's chunk that is due (every one when there is no
  // pace), then schedules the next, or ends the stream after the last.
  void advance_stream(connection& c) {
    const std::int64_t gap_ns = std::int64_t{options_.token_gap_us} * 1000;
    do {
      if (c.next_token < options_.stream_tokens) c.stream->append_token(c.out, c.next_token++);
    } while (gap_ns <= 0 && c.next_token < options_.stream_tokens);
    if (c.next_token < options_.stream_tokens) {
      timers_.push({c.stream_start_ns + gap_ns * c.next_token, c.fd.get(), c.serial});
      return;
    }
    c.stream->append_end(c.out, options_.stream_tokens);
    c.stream.reset();
    ++answered_;
  }

  void send_due_chunks() {
    auto now = monotonic_ns();
    while (!timers_.empty() && timers_.top().due_ns <= now) {
      auto due = timers_.top();
      timers_.pop();
      auto* c = find(due.fd, due.serial);
      if (!c || !c->stream) continue;  // the client went away
      advance_stream(*c);
      if (c->stream)
        flush(*c);
      else
        answer_requests(*c);  // the requests pipelined behind the stream
    }
  }

  // Writes what is queued, as far as the socket takes it; watches for room
  // when it is full. Returns false when the connection was closed.
  bool flush(connection& c) {
    switch (send_rest(c.fd.get(), c.out, c.out_written)) {
      case send_outcome::blocked:
        epoll_.watch_output(c.fd.get(), tag_of(c.fd.get(), c.serial), true, c.watching_out);
        return true;
      case send_outcome::failed:
        close(c);
        return false;
      case send_outcome::done:
        break;
    }
    c.out.clear();
    c.out_written = 0;
    epoll_.watch_output(c.fd.get(), tag_of(c.fd.get(), c.serial), false, c.watching_out);
    if (c.close_when_sent && !c.stream) {
      close(c);
      return false;
    }
    return true;
  }

  fixed_upstream_options options_;
  std::atomic<unsigned long long>& answered_;
  epoll_set epoll_;
  unique_fd listener_;
  unique_fd wake_;  // an eventfd: stop() writes it
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<connection>> connections_;  // by fd
  std::priority_queue<paced_chunk, std::vector<paced_chunk>, std::greater<>> timers_;
  std::uint32_t next_serial_ = 1;
  std::uint64_t next_answer_id_ = 1;
  std::int64_t created_;  // "created" of every answer: when the upstream started
  std::vector<char> read_buffer_;
};

fixed_upstream::fixed_upstream(fixed_upstream_options options)
    : loop_(std::make_unique<loop>(options, answered_)), port_(loop_->port()) {
  thread_ = std::thread([this] { loop_->run(); });
  clockid_t clock{};
  if (::pthread_getcpuclockid(thread_.native_handle(), &clock) == 0) thread_clock_ = clock;
}

fixed_upstream::~fixed_upstream() {
  loop_->stop();
  thread_.join();
}

double fixed_upstream::cpu_seconds() const {
  return thread_clock_ ? cpu_seconds_of(*thread_clock_) : 0;
}

}  // namespace llmopt
