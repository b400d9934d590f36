#include "actors/store_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/supervision.hpp"
#include "pages/decision_explanation.hpp"

namespace llmopt {
namespace {

// recent_decisions_query's answer; an empty array when the store cannot be
// read (logged).
nlohmann::json recent_decisions(store_state& st, int limit) {
  auto out = nlohmann::json::array();
  auto found = st.decisions->list(std::nullopt, limit);
  if (!found) {
    spdlog::error("store: cannot read the recent decisions: {}", found.err().detail);
    return out;
  }
  for (const auto& d : *found) {
    auto routed = st.ledger->of_decision(d.id);
    const auto& calls = routed ? *routed : std::vector<spend_entry>{};
    auto explained = pages::explanation_json(d, calls);
    explained["explanation"] = pages::explanation_text(d, calls);
    out.push_back(std::move(explained));
  }
  return out;
}

}  // namespace

caf::behavior store_actor(caf::stateful_actor<store_state>* self, std::shared_ptr<database> db) {
  log_surprises(self, "store");
  self->state.db = std::move(db);
  self->state.decisions = std::make_unique<decision_log>(*self->state.db);
  self->state.checkpoints = std::make_unique<checkpoint_store>(*self->state.db);
  self->state.ledger = std::make_unique<spend_ledger>(*self->state.db);
  return {
      [=](const decision_batch& batch) {
        if (auto st = self->state.decisions->append(batch.decisions); !st)
          spdlog::error("store: cannot record {} decision(s): {}", batch.decisions.size(),
                        st.err().detail);
      },
      [=](const followed_decisions& followed) {
        if (auto st = self->state.decisions->keep(followed.decisions); !st)
          spdlog::error("store: cannot keep {} followed decision(s): {}", followed.decisions.size(),
                        st.err().detail);
      },
      [=](const spend_batch& batch) {
        auto st = self->state.ledger->append(batch.entries);
        if (!st)
          spdlog::error("store: cannot record {} billed call(s): {}", batch.entries.size(),
                        st.err().detail);
        return st.ok();
      },
      [=](const recent_decisions_query& q) { q.done(recent_decisions(self->state, q.limit)); },
      // Keeps the newest three and `pinned`, the one the group knows this
      // store by (checkpoint_record.hpp).
      [=](const checkpoint& c, long long pinned) -> caf::result<long long> {
        auto saved = self->state.checkpoints->save(c, 3, pinned);
        if (!saved) {
          spdlog::error("store: checkpoint not saved: {}", saved.err().detail);
          return caf::make_error(caf::sec::runtime_error, saved.err().detail);
        }
        return *saved;
      },
  };
}

}  // namespace llmopt
