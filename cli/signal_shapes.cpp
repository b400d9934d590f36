#include "cli/signal_shapes.hpp"

#include <algorithm>
#include <utility>

namespace llmopt {

// From signal_examples.cpp.in: {name, bytes} per signals/examples/*.json.
extern const std::vector<std::pair<std::string_view, std::string_view>> signal_example_files;

const std::vector<signal_shape>& signal_shapes() {
  using k = signal_kind;
  static const std::vector<signal_shape> shapes{
      {"cost", "CostTelemetryEvent", topic_kind::cost, k::cost, std::nullopt},
      {"latency_profile", "LatencyProfile", topic_kind::latency, k::latency_profile, std::nullopt},
      {"latency_anomaly", "LatencyAnomaly", topic_kind::latency, k::latency_anomaly, std::nullopt},
      {"drift", "DriftSignal", topic_kind::sentinel, k::drift, std::nullopt},
      {"anomaly", "AnomalyEvent", topic_kind::sentinel, k::anomaly, std::nullopt},
      {"sentinel_alert", "Sentinel alert (Rust layout)", topic_kind::sentinel, k::anomaly,
       std::nullopt},
      {"policy_block", "PolicyBlockEvent", topic_kind::shield, k::policy_block, std::nullopt},
      {"pii_detection", "PIIDetectionSignal", topic_kind::shield, k::pii_detection, std::nullopt},
      {"span", "TelemetryTrace span", topic_kind::observatory, k::call_outcome, std::nullopt},
      {"structured_event", "StructuredEvent", topic_kind::observatory, k::structured_event,
       k::quality_feedback},
      {"call", "llmopt call", topic_kind::calls, k::call_outcome, std::nullopt},
  };
  return shapes;
}

const signal_shape* find_signal_shape(std::string_view kind) {
  for (const auto& shape : signal_shapes())
    if (shape.kind == kind) return &shape;
  return nullptr;
}

std::optional<std::string_view> signal_example(std::string_view name) {
  for (const auto& [file, bytes] : signal_example_files)
    if (file == name) return bytes;
  return std::nullopt;
}

std::vector<std::string_view> signal_example_names() {
  std::vector<std::string_view> names;
  for (const auto& file : signal_example_files)
    names.push_back(file.first);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace llmopt
