#pragma once

#include <limits>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/latency_histogram.hpp"
#include "decision/model_key.hpp"
#include "decision/result.hpp"

namespace llmopt {

// What happened to a model in one slice of time.
struct window_bucket {
  static constexpr time_ms empty = std::numeric_limits<time_ms>::min();
  time_ms start = empty;  // aligned to the bucket length
  long long calls = 0;    // request outcomes
  long long errors = 0;
  long long latency_count = 0;
  double latency_sum = 0;
  latency_histogram latency;
  long long cost_count = 0;  // priced requests
  double cost_sum = 0;
  double input_tokens = 0;  // of the priced requests
  double output_tokens = 0;
  // Streamed calls: time to first token (count, sum, histogram), and the
  // sums of the calls' mean gap between tokens and of their output tokens/s.
  long long ttft_count = 0;
  double ttft_sum = 0;
  latency_histogram ttft;
  long long inter_token_count = 0;
  double inter_token_sum = 0;
  long long tokens_per_s_count = 0;
  double tokens_per_s_sum = 0;

  void add(const window_bucket& other);
  bool has_stream_timing() const {
    return ttft_count > 0 || inter_token_count > 0 || tokens_per_s_count > 0;
  }
};

// A model's live window: the last `span_ms` kept as `bucket_count` time
// buckets, in constant memory whatever the signal rate. The live buckets are
// the current, partial one and the bucket_count - 1 before it, so the window
// covers between span - span/bucket_count and span, sliding a bucket at a
// time.
class live_window {
 public:
  live_window(time_ms span_ms, int bucket_count);

  // The bucket that `now` falls in, emptied first if it still holds an
  // older slice. A clock that stepped back keeps using the newest bucket.
  window_bucket& at(time_ms now);
  // The sum of the buckets that are live at `now`.
  window_bucket total(time_ms now) const;
  // The sum of the live buckets that began within `span_ms` before `now`.
  window_bucket total(time_ms now, time_ms span_ms) const;

  // Each bucket as one array: 10 fields, and 7 more for the stream timing
  // of a bucket that has any. restore() takes either, so checkpoints
  // written before stream timing existed still load.
  void save(nlohmann::json& out) const;
  status restore(const nlohmann::json& in);

 private:
  time_ms bucket_ms_;
  std::vector<window_bucket> buckets_;
};

}  // namespace llmopt
