#pragma once

#include <string>
#include <vector>

#include "decision/aggregator.hpp"
#include "decision/dedup_window.hpp"
#include "decision/pipeline_counters.hpp"

namespace llmopt {

struct intake_options {
  aggregator_options aggregates;
  time_ms dedup_window_ms = 600'000;
  std::size_t dedup_max_ids = 1'000'000;
};

// The three things a checkpoint must hold together, as bytes.
struct intake_snapshot {
  std::string aggregates;
  std::string dedup;
  std::string counters;  // JSON
};

// Everything the pipeline has taken in: the aggregates, the ids recently
// applied and the counters. Applying through here is what makes "nothing
// counted twice" hold: a duplicate is counted as such and changes no
// aggregate. Pure and single-threaded, like the aggregator it owns.
class signal_intake {
 public:
  signal_intake(intake_options options, const std::vector<model_spec>& catalog);

  // Applies `s` from `source` unless its id was applied within the dedup
  // window. Returns whether it was applied.
  bool apply(signal_source source, const typed_signal& s, time_ms now);
  void count_received(signal_source source, long long n) { counters_[source].received += n; }
  void count_dead_lettered(signal_source source, long long n) {
    counters_[source].dead_lettered += n;
  }

  aggregator& aggregates() { return aggregates_; }
  const pipeline_counters& counters() const { return counters_; }
  std::size_t remembered_ids() const { return dedup_.size(); }

  intake_snapshot save() const;
  // Replaces the state with a snapshot's; on error the state is unspecified
  // and the caller should start afresh.
  status restore(const intake_snapshot& snapshot);

 private:
  aggregator aggregates_;
  dedup_window dedup_;
  pipeline_counters counters_;
};

}  // namespace llmopt
