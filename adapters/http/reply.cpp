// The answer channel of a request (responder), its shared state
// (reply_slot) and streamed answers (stream_channel and the handle a
// producer holds). Everything here may be called from any thread; what
// touches a connection is posted to its strand.

#include <boost/asio/post.hpp>

#include "adapters/http/session.hpp"

namespace llmopt::http {
namespace detail {
namespace {

// What a producer holds: ends the stream as cut if dropped without end().
// It keeps the request's slot, so the abandon callback stays registered for
// as long as someone streams the answer.
class stream_handle final : public response_stream {
 public:
  stream_handle(std::shared_ptr<stream_channel> channel, std::shared_ptr<reply_slot> slot)
      : channel_(std::move(channel)), slot_(std::move(slot)) {}
  ~stream_handle() override {
    if (!ended_.exchange(true)) channel_->end(true);
  }
  bool write(std::string bytes) override { return channel_->write(std::move(bytes)); }
  void end() override {
    if (!ended_.exchange(true)) channel_->end(false);
  }
  std::size_t queued_bytes() const override { return channel_->queued_bytes(); }
  void when_drained(std::size_t low, std::function<void()> fn) override {
    channel_->when_drained(low, std::move(fn));
  }

 private:
  std::shared_ptr<stream_channel> channel_;
  std::shared_ptr<reply_slot> slot_;
  std::atomic<bool> ended_{false};
};

// Posts `fn(session&)` to the strand of `target`, unless the server has
// stopped (its io_context may be gone) or the session is.
template <class F>
bool post_to(const std::weak_ptr<session>& target, server_gate& gate, F&& fn) {
  std::shared_lock<std::shared_mutex> lock(gate.mu);
  if (!gate.open) return false;
  auto s = target.lock();
  if (!s) return false;
  net::post(s->executor(), [s, fn = std::forward<F>(fn)]() mutable { fn(*s); });
  return true;
}

}  // namespace

// -- reply_slot ----------------------------------------------------------------

void reply_slot::answer(response r) {
  if (answered.exchange(true)) return;
  post_to(target, *gate,
          [r = std::move(r), id = request_id](session& s) mutable { s.deliver(std::move(r), id); });
}

std::shared_ptr<response_stream> reply_slot::stream(response head) {
  if (answered.exchange(true)) return nullptr;
  auto channel = std::make_shared<stream_channel>(target, gate, request_id);
  const bool posted = post_to(
      target, *gate, [head = std::move(head), channel, id = request_id](session& s) mutable {
        s.start_stream(std::move(head), std::move(channel), id);
      });
  if (!posted) return nullptr;
  return std::make_shared<stream_handle>(std::move(channel), shared_from_this());
}

void reply_slot::set_on_abandon(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!abandoned_) {
      on_abandon_ = std::move(fn);
      return;
    }
  }
  if (fn) fn();  // the client is already gone
}

void reply_slot::abandon() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (abandoned_) return;
    abandoned_ = true;
    fn = std::move(on_abandon_);
  }
  if (fn) fn();
}

reply_slot::~reply_slot() {
  if (!answered.load())
    answer(
        error_response(500, "server_error", "the request handler gave no answer", "no_response"));
}

// -- stream_channel ------------------------------------------------------------

template <class F>
bool stream_channel::post(F&& fn) {
  return post_to(target_, *gate_, std::forward<F>(fn));
}

bool stream_channel::write(std::string bytes) {
  if (!open_.load()) return false;
  if (bytes.empty()) return true;
  if (queued_.fetch_add(bytes.size()) + bytes.size() > max_queued_bytes) {
    end(true);
    return false;
  }
  const bool posted = post([bytes = std::move(bytes), id = request_id_](session& s) mutable {
    s.stream_write(std::move(bytes), id);
  });
  if (!posted) open_.store(false);
  return posted;
}

void stream_channel::end(bool cut) {
  if (!open_.exchange(false)) return;
  post([cut, id = request_id_](session& s) { s.stream_end(id, cut); });
}

void stream_channel::when_drained(std::size_t low, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    drained_ = std::move(fn);
    low_ = low;
  }
  // Checked on the strand, where `sent` also runs, so the two cannot both
  // miss the moment queued_ falls to `low`.
  if (!post([self = shared_from_this()](session&) { self->run_drained_if_due(); })) {
    closed();  // the server stopped: no byte will leave any more
  }
}

void stream_channel::run_drained_if_due() {
  std::function<void()> fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!drained_ || (open_.load() && queued_.load() > low_)) return;
    fn = std::move(drained_);
    drained_ = nullptr;
  }
  fn();
}

void stream_channel::sent(std::size_t payload) {
  queued_.fetch_sub(payload);
  run_drained_if_due();
}

void stream_channel::closed() {
  open_.store(false);
  run_drained_if_due();
}

}  // namespace detail

// -- responder -----------------------------------------------------------------

void responder::operator()(response r) const {
  slot_->answer(std::move(r));
}

std::shared_ptr<response_stream> responder::stream(response head) const {
  return slot_->stream(std::move(head));
}

void responder::on_abandon(std::function<void()> fn) const {
  slot_->set_on_abandon(std::move(fn));
}

}  // namespace llmopt::http
