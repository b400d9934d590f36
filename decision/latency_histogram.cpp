#include "decision/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace llmopt {
namespace {
const double inverse_log_ratio = 1.0 / std::log(latency_histogram::ratio);
}

int latency_histogram::bin_of(double latency_ms) {
  if (!(latency_ms > min_ms)) return 0;  // also NaN
  const double bin = std::log(latency_ms / min_ms) * inverse_log_ratio;
  return bin >= bin_count - 1 ? bin_count - 1 : static_cast<int>(bin);
}

void latency_histogram::add(double latency_ms) {
  ++counts_[static_cast<std::size_t>(bin_of(latency_ms))];
  ++total_;
}

void latency_histogram::merge(const latency_histogram& other) {
  for (int i = 0; i < bin_count; ++i)
    counts_[i] += other.counts_[i];
  total_ += other.total_;
}

std::optional<double> latency_histogram::quantile(double q) const {
  if (total_ == 0) return std::nullopt;
  // The nearest-rank sample, counted from 1.
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < bin_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return min_ms * std::pow(ratio, i + 0.5);
  }
  return min_ms * std::pow(ratio, bin_count - 0.5);
}

double latency_histogram::standard_deviation() const {
  if (total_ == 0) return 0;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < bin_count; ++i) {
    if (counts_[i] == 0) continue;
    const double middle = min_ms * std::pow(ratio, i + 0.5);
    sum += static_cast<double>(counts_[i]) * middle;
    sum_sq += static_cast<double>(counts_[i]) * middle * middle;
  }
  const double n = static_cast<double>(total_);
  const double mean = sum / n;
  return std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
}

std::vector<std::pair<int, std::uint32_t>> latency_histogram::sparse() const {
  std::vector<std::pair<int, std::uint32_t>> out;
  for (int i = 0; i < bin_count; ++i)
    if (counts_[i]) out.emplace_back(i, counts_[i]);
  return out;
}

void latency_histogram::add_sparse(const std::vector<std::pair<int, std::uint32_t>>& bins) {
  for (const auto& [bin, count] : bins) {
    if (bin < 0 || bin >= bin_count) continue;
    counts_[static_cast<std::size_t>(bin)] += count;
    total_ += count;
  }
}

}  // namespace llmopt
