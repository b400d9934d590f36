#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "adapters/signals/topic_kind.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// The shapes producers publish, as signals/README.md lists them: the names
// `llmopt signals` takes as KIND, and the file names under signals/schemas
// and signals/examples.
struct signal_shape {
  std::string_view kind;   // "cost", "latency_profile", ...
  std::string_view title;  // the upstream's name: "CostTelemetryEvent"
  topic_kind family;       // the adapter that reads it (its topic's)
  // What signal_parser makes of it: one signal kind, or two for a
  // StructuredEvent (quality_feedback when it carries a rating).
  signal_kind reads_as;
  std::optional<signal_kind> or_as;

  bool is_read_as(signal_kind k) const { return k == reads_as || or_as == k; }
};

// Every shape, in the order of signals/README.md.
const std::vector<signal_shape>& signal_shapes();

// The shape named `kind`; nullptr for any other name.
const signal_shape* find_signal_shape(std::string_view kind);

// The bytes of signals/examples/<name>.json, compiled in
// (signal_examples.cpp.in): one per shape, plus "cloudevent". nullopt for
// any other name.
std::optional<std::string_view> signal_example(std::string_view name);

// The names of every compiled-in example, sorted.
std::vector<std::string_view> signal_example_names();

}  // namespace llmopt
