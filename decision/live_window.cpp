#include "decision/live_window.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace llmopt {

void window_bucket::add(const window_bucket& other) {
  calls += other.calls;
  errors += other.errors;
  latency_count += other.latency_count;
  latency_sum += other.latency_sum;
  latency.merge(other.latency);
  cost_count += other.cost_count;
  cost_sum += other.cost_sum;
  input_tokens += other.input_tokens;
  output_tokens += other.output_tokens;
  ttft_count += other.ttft_count;
  ttft_sum += other.ttft_sum;
  ttft.merge(other.ttft);
  inter_token_count += other.inter_token_count;
  inter_token_sum += other.inter_token_sum;
  tokens_per_s_count += other.tokens_per_s_count;
  tokens_per_s_sum += other.tokens_per_s_sum;
}

live_window::live_window(time_ms span_ms, int bucket_count)
    : bucket_ms_((span_ms + bucket_count - 1) / bucket_count),
      buckets_(static_cast<std::size_t>(bucket_count)) {
  LLMOPT_ASSERT(span_ms > 0 && bucket_count > 0);
}

window_bucket& live_window::at(time_ms now) {
  const time_ms slice = now >= 0 ? now / bucket_ms_ : (now - bucket_ms_ + 1) / bucket_ms_;
  const time_ms start = slice * bucket_ms_;
  auto& b = buckets_[static_cast<std::size_t>(slice % static_cast<time_ms>(buckets_.size()))];
  if (b.start < start) {
    b = window_bucket{};
    b.start = start;
  }
  return b;
}

window_bucket live_window::total(time_ms now) const {
  return total(now, bucket_ms_ * static_cast<time_ms>(buckets_.size()));
}

window_bucket live_window::total(time_ms now, time_ms span_ms) const {
  window_bucket sum;
  const time_ms oldest =
      now - std::min(span_ms, bucket_ms_ * static_cast<time_ms>(buckets_.size()));
  for (const auto& b : buckets_)
    if (b.start != window_bucket::empty && b.start > oldest) sum.add(b);
  return sum;
}

namespace {
// Fields of a bucket without stream timing (all checkpoints before it
// existed), and with it.
constexpr std::size_t plain_fields = 10;
constexpr std::size_t streamed_fields = 17;
}  // namespace

void live_window::save(nlohmann::json& out) const {
  out = nlohmann::json::array();
  for (const auto& b : buckets_) {
    if (b.start == window_bucket::empty) continue;
    nlohmann::json row = {b.start,         b.calls,       b.errors,
                          b.latency_count, b.latency_sum, b.latency.sparse(),
                          b.cost_count,    b.cost_sum,    b.input_tokens,
                          b.output_tokens};
    if (b.has_stream_timing())
      for (nlohmann::json field :
           {nlohmann::json(b.ttft_count), nlohmann::json(b.ttft_sum),
            nlohmann::json(b.ttft.sparse()), nlohmann::json(b.inter_token_count),
            nlohmann::json(b.inter_token_sum), nlohmann::json(b.tokens_per_s_count),
            nlohmann::json(b.tokens_per_s_sum)})
        row.push_back(std::move(field));
    out.push_back(std::move(row));
  }
}

status live_window::restore(const nlohmann::json& in) {
  if (!in.is_array()) return error{"bad_checkpoint", "window: expected an array"};
  for (const auto& row : in) {
    if (!row.is_array() || (row.size() != plain_fields && row.size() != streamed_fields))
      return error{"bad_checkpoint", "window bucket: expected 10 or 17 fields"};
    const time_ms start = row[0].get<time_ms>();
    auto& b = at(start);
    b.calls = row[1].get<long long>();
    b.errors = row[2].get<long long>();
    b.latency_count = row[3].get<long long>();
    b.latency_sum = row[4].get<double>();
    b.latency.add_sparse(row[5].get<std::vector<std::pair<int, std::uint32_t>>>());
    b.cost_count = row[6].get<long long>();
    b.cost_sum = row[7].get<double>();
    b.input_tokens = row[8].get<double>();
    b.output_tokens = row[9].get<double>();
    if (row.size() == streamed_fields) {
      b.ttft_count = row[10].get<long long>();
      b.ttft_sum = row[11].get<double>();
      b.ttft.add_sparse(row[12].get<std::vector<std::pair<int, std::uint32_t>>>());
      b.inter_token_count = row[13].get<long long>();
      b.inter_token_sum = row[14].get<double>();
      b.tokens_per_s_count = row[15].get<long long>();
      b.tokens_per_s_sum = row[16].get<double>();
    }
  }
  return ok_status();
}

}  // namespace llmopt
