#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace llmopt {

// Latencies counted in log-spaced bins: bin i holds [min_ms * ratio^i,
// min_ms * ratio^(i+1)), so a quantile read from it is within ~5% of the
// true value whatever the scale, in constant memory. Values below min_ms go
// to the first bin, above the last bin's start to the last.
class latency_histogram {
 public:
  static constexpr int bin_count = 160;
  static constexpr double min_ms = 0.5;
  static constexpr double ratio = 1.1;

  void add(double latency_ms);
  void merge(const latency_histogram& other);
  void clear() { counts_.fill(0), total_ = 0; }

  std::uint64_t total() const { return total_; }
  // The q-quantile (0..1), as the geometric middle of its bin; none when empty.
  std::optional<double> quantile(double q) const;
  // The standard deviation of the latencies, taking each at its bin's
  // geometric middle: 0 when they all share a bin, or none was added.
  double standard_deviation() const;

  // Non-zero bins as (bin, count) pairs, for checkpoints; and back.
  std::vector<std::pair<int, std::uint32_t>> sparse() const;
  void add_sparse(const std::vector<std::pair<int, std::uint32_t>>& bins);

  static int bin_of(double latency_ms);

 private:
  std::array<std::uint32_t, bin_count> counts_{};
  std::uint64_t total_ = 0;
};

}  // namespace llmopt
