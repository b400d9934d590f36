#include "adapters/providers/sim_stream.hpp"

#include <algorithm>
#include <cmath>

namespace llmopt {
namespace {

using clock_type = std::chrono::steady_clock;

// One stream in flight. Its steps run on the server's I/O threads, one at a
// time without a lock: each step schedules at most one next step (a timer
// or a drain callback), handed over through the server's queues. (A lock
// would deadlock: once the server stops, when_drained runs its callback at
// once, inside the step that asked.)
class sim_stream : public std::enable_shared_from_this<sim_stream> {
 public:
  sim_stream(http::responder reply, sim_stream_setup s)
      : reply_(std::move(reply)), s_(std::move(s)) {}

  void schedule_at(double due_ms) {
    const double wait =
        due_ms - std::chrono::duration<double, std::milli>(clock_type::now() - s_.arrived).count();
    // At most a day: a pace of one token a year must not overflow a timer.
    const auto delay = std::chrono::milliseconds(
        static_cast<long long>(std::ceil(std::clamp(wait, 0.0, 86400000.0))));
    s_.server->post_after(delay, [self = shared_from_this()] { self->step(); });
  }

  void step() {
    if (!out_) {
      http::response head = std::move(s_.head);
      head.body = s_.frames->opening();
      out_ = reply_.stream(std::move(head));
      if (!out_) return;  // the client is gone: its on_abandon settles the request
    }
    const double now_ms =
        std::chrono::duration<double, std::milli>(clock_type::now() - s_.arrived).count();
    while (true) {
      const std::size_t fault_at = s_.fault ? std::min(s_.fault->after_tokens, s_.pieces) : 0;
      if (s_.fault && next_ == fault_at) return apply_fault();
      if (next_ == s_.pieces) {
        out_->write(s_.frames->closing());
        out_->end();
        return s_.request->finish();
      }
      if (out_->queued_bytes() > sim_stream_high_mark) {
        if (!held_back_) s_.stats->held_back();
        held_back_ = true;
        return out_->when_drained(sim_stream_low_mark, [self = shared_from_this()] {
          // Still above the low mark: the client is gone (its on_abandon
          // settles the request), not drained.
          if (self->out_->queued_bytes() <= sim_stream_low_mark) self->step();
        });
      }
      if (s_.pace.due_ms(next_) > now_ms) return schedule_at(s_.pace.due_ms(next_));
      if (!out_->write(s_.frames->piece(next_))) return;  // the client is gone
      ++next_;
    }
  }

 private:
  void apply_fault() {
    switch (s_.fault->kind) {
      case sim_fault_kind::cut:
        out_.reset();  // dropped without end(): the connection closes mid-stream
        s_.request->finish();
        return;
      case sim_fault_kind::error_event:
        out_->write(s_.frames->error_event(
            error{"simulated_fault",
                  "simulated in-stream error after " + std::to_string(next_) + " content pieces"}));
        out_->end();
        s_.request->finish();
        return;
      case sim_fault_kind::stall:
      case sim_fault_kind::status:             // handled before any stream starts
        s_.request->hold(shared_from_this());  // open until the client goes away
        return;
    }
  }

  http::responder reply_;
  sim_stream_setup s_;
  std::shared_ptr<http::response_stream> out_;
  std::size_t next_ = 0;
  bool held_back_ = false;
};

}  // namespace

sim_pace pace_of(const simulated_model& m, double latency_ms, std::size_t pieces) {
  sim_pace p;
  p.first_ms = m.ttft_ms ? *m.ttft_ms : 0.2 * latency_ms;
  if (m.tokens_per_s) {
    p.unpaced = *m.tokens_per_s <= 0;
    p.gap_ms = p.unpaced ? 0 : 1000.0 / *m.tokens_per_s;
  } else if (pieces > 1) {
    p.gap_ms = std::max(0.0, latency_ms - p.first_ms) / static_cast<double>(pieces - 1);
  }
  return p;
}

void start_sim_stream(http::responder reply, sim_stream_setup setup) {
  const double first_ms = setup.pace.first_ms;
  auto stream = std::make_shared<sim_stream>(std::move(reply), std::move(setup));
  stream->schedule_at(first_ms);
}

}  // namespace llmopt
