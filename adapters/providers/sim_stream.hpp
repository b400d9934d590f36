#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "adapters/http/message.hpp"
#include "adapters/http/server.hpp"
#include "adapters/providers/sim_api.hpp"
#include "adapters/providers/sim_faults.hpp"
#include "adapters/providers/sim_stats.hpp"
#include "decision/world_model.hpp"

namespace llmopt {

// When a stream's pieces are due, from the moment its request arrived.
struct sim_pace {
  double first_ms = 0;   // the head, the opening and the first piece
  double gap_ms = 0;     // between one piece and the next
  bool unpaced = false;  // after the first piece, as fast as the client reads

  // When piece i is due (for an unpaced stream, pieces after the first
  // are due at once: at first_ms).
  double due_ms(std::size_t i) const { return unpaced ? first_ms : first_ms + gap_ms * i; }
};

// The pace of a stream of `pieces` pieces whose drawn latency is
// `latency_ms`. By default the first piece comes at 20% of the latency and
// the rest evenly over the remaining 80%, so that the stream ends when a
// plain answer would have come. The model's ttft_ms replaces the first
// figure; its tokens_per_s sets the gap instead (0: unpaced).
sim_pace pace_of(const simulated_model& m, double latency_ms, std::size_t pieces);

// Backpressure: a stream stops producing when more than this is waiting
// for the client, and goes on once the queue is down to the low mark.
inline constexpr std::size_t sim_stream_high_mark = 64 * 1024;
inline constexpr std::size_t sim_stream_low_mark = 16 * 1024;

struct sim_stream_setup {
  http::server* server = nullptr;  // for timers; must outlive the stream's timers
  http::response head;             // status, content type and headers; the body is ignored
  std::unique_ptr<sim_stream_frames> frames;
  std::size_t pieces = 0;
  sim_pace pace;
  std::optional<sim_fault> fault;  // cut, error_event or stall
  std::shared_ptr<sim_open_request> request;
  sim_stats* stats = nullptr;  // counts streams held back
  std::chrono::steady_clock::time_point arrived = std::chrono::steady_clock::now();
};

// Sends a streamed answer on timers of `server` (never a sleeping thread):
// the head, opening and first piece at pace.first_ms, then each piece when
// due and the client has room for it, then the closing, or the fault after
// its after_tokens pieces. The request is settled when the stream ends, is
// cut, or the client goes away (a stalled stream is held until then).
void start_sim_stream(http::responder reply, sim_stream_setup setup);

}  // namespace llmopt
