#include "actors/aggregator_actor.hpp"

#include "actors/messages.hpp"
#include "actors/wall_clock.hpp"

namespace llmopt {
namespace {

void apply(caf::stateful_actor<aggregator_state>* self, const typed_signal& s, time_ms now) {
  self->state.stats->apply(s, now);
  if (is_urgent(s) && self->state.decision)
    self->send(self->state.decision, urgent_atom::value, describe(s));
}

}  // namespace

caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               aggregator_options options, std::vector<model_spec> catalog) {
  self->state.stats = std::make_unique<aggregator>(options, catalog);
  return {
      [=](const signal_batch& batch) {
        const time_ms now = wall_clock_ms();
        for (const auto& s : batch.signals)
          apply(self, s, now);
        return static_cast<std::uint64_t>(batch.signals.size());
      },
      [=](const typed_signal& s) { apply(self, s, wall_clock_ms()); },
      [=](views_atom) {
        return model_views{std::make_shared<const std::unordered_map<model_key, model_view>>(
            self->state.stats->views(wall_clock_ms()))};
      },
      [=](const caf::actor& decision) { self->state.decision = decision; },
  };
}

}  // namespace llmopt
