#pragma once

// Reads the decoded body of an OpenAI chat completion stream as it arrives
// and checks its content pieces: when each came, whether they are exactly
// the expected ones in order, and whether the stream ended with [DONE].

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmopt {

class stream_pieces {
 public:
  // `expected`: the content pieces the stream must carry, in order; when
  // empty they are only timed, not checked. Must outlive this object.
  explicit stream_pieces(const std::vector<std::string>& expected);
  explicit stream_pieces(std::vector<std::string>&&) = delete;  // would dangle

  // Forgets the stream read so far, for the next one.
  void reset();

  // Reads the next bytes of the body (transfer coding already removed),
  // received at `now_ns`. SSE events end at a blank line; the data lines of
  // an event are joined by "\n". In each event the first `"content": "…"` is
  // its content piece (JSON escapes decoded; empty pieces, such as the role
  // chunk's, are skipped); `data: [DONE]` is the clean end. Holds at most one
  // unfinished event (bounded by the caller's body limit).
  void feed(std::string_view body, std::int64_t now_ns);

  // The stream is complete and right: [DONE] came last, and the pieces were
  // exactly the expected ones (when any are expected).
  bool ok() const;
  // When each content piece arrived (monotonic ns), in order.
  const std::vector<std::int64_t>& piece_times() const { return times_; }

 private:
  void on_line(std::string_view line, std::int64_t now_ns);
  void on_event(std::int64_t now_ns);

  const std::vector<std::string>& expected_;
  std::string partial_line_;
  std::string data_;  // the data lines of the event being read
  bool event_has_data_ = false;
  bool done_ = false;   // [DONE] seen
  bool wrong_ = false;  // a piece out of order, unexpected, malformed, or after [DONE]
  std::size_t pieces_ = 0;
  std::vector<std::int64_t> times_;
  std::string piece_;  // scratch: the piece being decoded
};

}  // namespace llmopt
