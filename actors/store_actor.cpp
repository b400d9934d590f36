#include "actors/store_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"

namespace llmopt {

caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::shared_ptr<database> db) {
  self->state.db = std::move(db);
  self->state.decisions = std::make_unique<decision_log>(*self->state.db);
  return {
      [=](const decision_batch& batch) {
        if (auto st = self->state.decisions->append(batch.decisions); !st)
          spdlog::error("store: cannot record {} decision(s): {}", batch.decisions.size(),
                        st.err().detail);
      },
  };
}

}  // namespace llmopt
