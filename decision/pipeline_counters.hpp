#pragma once

#include <array>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "decision/result.hpp"
#include "decision/signal.hpp"

namespace llmopt {

// Where signals come from: the five upstream topics, and the router's own
// calls.
enum class signal_source { cost, latency, sentinel, shield, observatory, router };
constexpr int signal_source_count = 6;

std::string_view to_string(signal_source s);
std::optional<signal_source> parse_signal_source(std::string_view s);

struct source_counters {
  long long received = 0;       // messages taken from the source
  long long applied = 0;        // signals applied to the aggregates
  long long duplicates = 0;     // signals not applied again (same id within the dedup window)
  long long dead_lettered = 0;  // messages sent to the DLQ
};

// What the pipeline has done since it first started; carried across restarts
// by checkpoints. For every source: received == applied + duplicates +
// dead_lettered once nothing is in flight.
struct pipeline_counters {
  std::array<source_counters, signal_source_count> sources{};
  std::array<long long, signal_kind_count> applied_by_kind{};

  source_counters& operator[](signal_source s) { return sources[static_cast<std::size_t>(s)]; }
  const source_counters& operator[](signal_source s) const {
    return sources[static_cast<std::size_t>(s)];
  }
  source_counters total() const;
};

void to_json(nlohmann::json& j, const pipeline_counters& c);
// Reads what to_json wrote; an error names what is missing.
status counters_from_json(const nlohmann::json& j, pipeline_counters& c);

}  // namespace llmopt
