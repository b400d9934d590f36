#include "decision/signal_intake.hpp"

#include <nlohmann/json.hpp>

namespace llmopt {

signal_intake::signal_intake(intake_options options, const std::vector<model_spec>& catalog)
    : aggregates_(options.aggregates, catalog),
      dedup_(options.dedup_window_ms, options.dedup_max_ids) {}

bool signal_intake::apply(signal_source source, const typed_signal& s, time_ms now) {
  auto& c = counters_[source];
  if (!dedup_.insert(dedup_key(s), now)) {
    ++c.duplicates;
    return false;
  }
  aggregates_.apply(s, now);
  ++c.applied;
  ++counters_.applied_by_kind[static_cast<std::size_t>(s.kind())];
  return true;
}

intake_snapshot signal_intake::save() const {
  return {aggregates_.save(), dedup_.save(), nlohmann::json(counters_).dump()};
}

status signal_intake::restore(const intake_snapshot& snapshot) {
  if (auto st = aggregates_.restore(snapshot.aggregates); !st) return st;
  if (auto st = dedup_.restore(snapshot.dedup); !st) return st;
  auto counters = nlohmann::json::parse(snapshot.counters, nullptr, false);
  if (counters.is_discarded()) return error{"bad_checkpoint", "counters: not JSON"};
  return counters_from_json(counters, counters_);
}

}  // namespace llmopt
