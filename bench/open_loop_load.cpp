#include "bench/open_loop_load.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>
#include <utility>

#include "bench/loopback_io.hpp"
#include "bench/response_reader.hpp"
#include "bench/stream_pieces.hpp"

namespace llmopt {

namespace {

constexpr std::size_t read_bytes = 64 * 1024;
constexpr unsigned long timer_slack_ns = 1000;

std::string request_bytes(const open_loop_options& options) {
  std::string out = "POST " + options.path +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(options.port) +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(options.body.size()) + "\r\n";
  for (const auto& header : options.headers)
    out += header + "\r\n";
  return out + "\r\n" + options.body;
}

// Where the body's last `vary` is in the request's bytes, or npos.
std::size_t vary_position(const open_loop_options& options, const std::string& request) {
  if (options.vary.empty()) return std::string::npos;
  const auto in_body = options.body.rfind(options.vary);
  if (in_body == std::string::npos) return std::string::npos;
  return request.size() - options.body.size() + in_body;
}

std::vector<std::string> expected_pieces(const open_loop_options& options) {
  std::vector<std::string> pieces;
  if (!options.stream) return pieces;
  for (int i = 0; i < options.expect_tokens; ++i)
    pieces.push_back("t" + std::to_string(i) + " ");
  return pieces;
}

struct client_connection {
  explicit client_connection(const std::vector<std::string>& expected) : pieces(expected) {}

  unique_fd fd;
  std::uint32_t serial = 0;
  bool connecting = false;    // the non-blocking connect has not finished
  bool watching_out = false;  // EPOLLOUT wanted: connecting, or the request not written whole
  std::int64_t request = -1;  // the request in flight, or -1 when idle
  std::size_t written = 0;    // bytes of it written
  std::string varied;         // this request's own bytes, when options.vary is set
  response_reader reader;
  stream_pieces pieces;
};

// One run. Every member function runs on the caller's thread.
class open_loop {
 public:
  explicit open_loop(const open_loop_options& options)
      : options_(options),
        request_(request_bytes(options)),
        vary_at_(vary_position(options, request_)),
        expected_(expected_pieces(options)),
        max_connections_(std::max(1, options.max_connections)),
        read_buffer_(read_bytes) {
    if (options.rps > 0 && options.seconds > 0)
      total_ = static_cast<std::uint64_t>(std::ceil(options.rps * options.seconds - 1e-9));
  }

  open_loop_result run();

 private:
  std::int64_t due_ns(std::uint64_t request) const {
    return start_ns_ + static_cast<std::int64_t>(static_cast<double>(request) * 1e9 / options_.rps);
  }

  void reserve_results();
  std::int64_t issue_due();
  void dispatch(std::uint64_t request);
  client_connection* take_idle();
  void serve_waiting();
  void open_for(std::uint64_t request);
  void send(client_connection& c, std::uint64_t request);
  bool write(client_connection& c);
  void on_event(std::uint64_t tag, std::uint32_t events);
  void read_from(client_connection& c);
  void finish(client_connection& c, std::int64_t now_ns, bool reusable);
  void record(const client_connection& c, std::int64_t now_ns);
  void fail(client_connection& c);
  void close(client_connection& c);
  client_connection* find(int fd, std::uint32_t serial);

  const open_loop_options& options_;
  const std::string request_;
  const std::size_t vary_at_;  // where options.vary is in request_, or npos
  const std::vector<std::string> expected_;
  const int max_connections_;
  epoll_set epoll_;
  std::vector<std::unique_ptr<client_connection>> connections_;  // by fd
  std::vector<std::pair<int, std::uint32_t>> idle_;  // (fd, serial); the last freed on top
  std::deque<std::uint64_t> waiting_;                // due, no connection yet
  int open_ = 0;
  std::uint64_t total_ = 0;      // requests due in the run
  std::uint64_t next_ = 0;       // the next request to become due
  std::uint64_t in_flight_ = 0;  // on a connection, unanswered
  std::int64_t start_ns_ = 0;
  std::int64_t last_send_ns_ = 0;
  std::int64_t last_answer_ns_ = 0;
  std::uint32_t next_serial_ = 1;
  std::vector<char> read_buffer_;
  open_loop_result result_;
};

open_loop_result open_loop::run() {
  scoped_timer_slack slack(timer_slack_ns);
  const double cpu_start = cpu_seconds_of(CLOCK_THREAD_CPUTIME_ID);
  reserve_results();
  reserve_descriptors(2 * max_connections_ + 256);  // both ends, should the server run here
  const auto drain_ns = static_cast<std::int64_t>(options_.drain_seconds * 1e9);
  start_ns_ = monotonic_ns();
  const auto issue_end_ns = start_ns_ + static_cast<std::int64_t>(options_.seconds * 1e9);
  epoll_event events[256];
  for (;;) {
    auto now = issue_due();
    auto drain_end_ns = std::max(issue_end_ns, last_send_ns_) + drain_ns;
    if (next_ == total_ && ((in_flight_ == 0 && waiting_.empty()) || now >= drain_end_ns)) break;
    int n = epoll_.wait(events, 256, next_ < total_ ? due_ns(next_) : drain_end_ns);
    for (int i = 0; i < n; ++i) {
      on_event(events[i].data.u64, events[i].events);
      issue_due();  // keeps sends on time while a batch of answers is read
    }
    serve_waiting();
  }
  result_.due = total_;
  result_.failed += in_flight_ + waiting_.size();  // no answer by the end of the drain
  if (last_answer_ns_ > start_ns_) result_.seconds = (last_answer_ns_ - start_ns_) / 1e9;
  result_.cpu_seconds = cpu_seconds_of(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
  connections_.clear();
  return std::move(result_);
}

// Dispatches the requests due by now; returns now.
std::int64_t open_loop::issue_due() {
  auto now = monotonic_ns();
  while (next_ < total_ && due_ns(next_) <= now)
    dispatch(next_++);
  return now;
}

void open_loop::reserve_results() {
  result_.latency_us.reserve(total_);
  if (!options_.stream) return;
  result_.ttft_us.reserve(total_);
  if (options_.expect_tokens > 1)
    result_.gap_us.reserve(total_ * static_cast<std::uint64_t>(options_.expect_tokens - 1));
}

void open_loop::dispatch(std::uint64_t request) {
  if (auto* c = take_idle()) return send(*c, request);
  if (waiting_.empty() && open_ < max_connections_) return open_for(request);
  waiting_.push_back(request);
}

client_connection* open_loop::take_idle() {
  while (!idle_.empty()) {
    auto [fd, serial] = idle_.back();
    idle_.pop_back();
    auto* c = find(fd, serial);
    if (c && c->request < 0) return c;  // else closed since it was freed
  }
  return nullptr;
}

// Gives queued requests the connections that became free or can be opened.
void open_loop::serve_waiting() {
  while (!waiting_.empty()) {
    auto* c = take_idle();
    if (!c && open_ >= max_connections_) return;
    auto request = waiting_.front();
    waiting_.pop_front();
    if (c)
      send(*c, request);
    else
      open_for(request);
  }
}

void open_loop::open_for(std::uint64_t request) {
  bool in_progress = false;
  auto fd = connect_to_loopback(options_.port, in_progress);
  auto serial = next_serial_++;
  if (!fd || !epoll_.add(fd.get(), EPOLLIN | EPOLLOUT, tag_of(fd.get(), serial))) {
    ++result_.failed;  // no descriptor, or refused at once
    return;
  }
  auto c = std::make_unique<client_connection>(expected_);
  c->serial = serial;
  c->connecting = in_progress;
  c->watching_out = true;
  auto n = static_cast<std::size_t>(fd.get());
  c->fd = std::move(fd);
  if (n >= connections_.size()) connections_.resize(n + 1);
  connections_[n] = std::move(c);
  ++open_;
  ++result_.connections_opened;
  send(*connections_[n], request);
}

void open_loop::send(client_connection& c, std::uint64_t request) {
  c.request = static_cast<std::int64_t>(request);
  c.written = 0;
  if (vary_at_ != std::string::npos) {
    c.varied = request_;
    auto number = std::to_string(request);
    const auto width = options_.vary.size();
    if (number.size() > width) number.erase(0, number.size() - width);
    c.varied.replace(vary_at_ + width - number.size(), number.size(), number);
    c.varied.replace(vary_at_, width - number.size(), width - number.size(), '0');
  }
  ++in_flight_;
  c.pieces.reset();
  c.reader.start(options_.stream ? &c.pieces : nullptr);
  if (!c.connecting) write(c);
}

// Writes the rest of the request. Returns false when the connection failed.
bool open_loop::write(client_connection& c) {
  const std::string& bytes = c.varied.empty() ? request_ : c.varied;
  switch (send_rest(c.fd.get(), bytes, c.written)) {
    case send_outcome::blocked:
      epoll_.watch_output(c.fd.get(), tag_of(c.fd.get(), c.serial), true, c.watching_out);
      return true;
    case send_outcome::failed:
      fail(c);
      return false;
    case send_outcome::done:
      break;
  }
  last_send_ns_ = monotonic_ns();
  ++result_.sent;
  auto lag_us =
      static_cast<double>(last_send_ns_ - due_ns(static_cast<std::uint64_t>(c.request))) / 1e3;
  result_.max_send_lag_us = std::max(result_.max_send_lag_us, lag_us);
  epoll_.watch_output(c.fd.get(), tag_of(c.fd.get(), c.serial), false, c.watching_out);
  return true;
}

void open_loop::on_event(std::uint64_t tag, std::uint32_t events) {
  auto* c = find(static_cast<int>(tag & 0xffffffff), static_cast<std::uint32_t>(tag >> 32));
  if (!c) return;  // closed earlier in this batch
  if (c->connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    if (connect_error(c->fd.get()) != 0) return fail(*c);
    c->connecting = false;
    if (!write(*c)) return;
  } else if ((events & EPOLLOUT) && c->request >= 0 && c->written < request_.size()) {
    if (!write(*c)) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(*c);
}

void open_loop::read_from(client_connection& c) {
  auto n = ::recv(c.fd.get(), read_buffer_.data(), read_buffer_.size(), 0);
  auto now = monotonic_ns();
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n < 0) return fail(c);           // reset
  if (c.request < 0) return close(c);  // idle: closed by the server, or bytes nobody asked for
  if (n == 0) {                        // the server ended the connection
    c.reader.end_of_input();
    if (c.reader.current() != response_reader::state::done) return fail(c);
    return finish(c, now, false);
  }
  std::string_view bytes(read_buffer_.data(), static_cast<std::size_t>(n));
  auto used = c.reader.feed(bytes, now);
  switch (c.reader.current()) {
    case response_reader::state::head:
    case response_reader::state::body:
      return;
    case response_reader::state::failed:
      return fail(c);
    case response_reader::state::done:  // bytes past the answer make the connection useless
      return finish(c, now, used == bytes.size() && c.reader.reusable());
  }
}

void open_loop::finish(client_connection& c, std::int64_t now_ns, bool reusable) {
  record(c, now_ns);
  last_answer_ns_ = now_ns;
  c.request = -1;
  --in_flight_;
  if (!reusable) return close(c);
  if (!waiting_.empty()) {
    auto request = waiting_.front();
    waiting_.pop_front();
    return send(c, request);
  }
  idle_.emplace_back(c.fd.get(), c.serial);
}

void open_loop::record(const client_connection& c, std::int64_t now_ns) {
  auto status = c.reader.status();
  if (status < 200 || status > 299) {
    ++result_.http_errors;
    return;
  }
  if (options_.stream && !c.pieces.ok()) {
    ++result_.streams_bad;
    return;
  }
  ++result_.ok;
  auto due = due_ns(static_cast<std::uint64_t>(c.request));
  result_.latency_us.push_back(static_cast<double>(now_ns - due) / 1e3);
  if (!options_.stream) return;
  const auto& times = c.pieces.piece_times();
  if (times.empty()) return;
  result_.ttft_us.push_back(static_cast<double>(times.front() - due) / 1e3);
  for (std::size_t i = 1; i < times.size(); ++i)
    result_.gap_us.push_back(static_cast<double>(times[i] - times[i - 1]) / 1e3);
}

// Fails the connection's request, if any, and closes it.
void open_loop::fail(client_connection& c) {
  if (c.request >= 0) {
    ++result_.failed;
    --in_flight_;
  }
  close(c);
}

// The connection is gone afterwards: the caller must not touch it.
void open_loop::close(client_connection& c) {
  --open_;
  connections_[static_cast<std::size_t>(c.fd.get())].reset();
}

client_connection* open_loop::find(int fd, std::uint32_t serial) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= connections_.size()) return nullptr;
  auto* c = connections_[static_cast<std::size_t>(fd)].get();
  return c && c->serial == serial ? c : nullptr;
}

}  // namespace

open_loop_result run_open_loop(const open_loop_options& options) {
  return open_loop(options).run();
}

}  // namespace llmopt
