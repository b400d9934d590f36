#include "actors/aggregator_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/supervision.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<aggregator_state>*;

void apply(self_ptr self, signal_source source, const typed_signal& s, time_ms now) {
  if (self->state.intake->apply(source, s, now) && is_urgent(s) && self->state.decision)
    self->send(self->state.decision, urgent_atom::value, signal_trigger(s));
}

void apply_batch(self_ptr self, const signal_batch& batch, time_ms now) {
  auto& st = self->state;
  for (int i = 0; i < signal_source_count; ++i) {
    const auto source = static_cast<signal_source>(i);
    st.intake->count_received(source, batch.received[static_cast<std::size_t>(i)]);
    st.intake->count_dead_lettered(source, batch.dead_lettered[static_cast<std::size_t>(i)]);
  }
  for (const auto& s : batch.signals)
    apply(self, s.source, s.signal, now);
  for (const auto& p : batch.positions)
    st.positions[{p.topic, p.partition}] = p.offset;
  st.dirty = true;
}

checkpoint snapshot(self_ptr self, time_ms now) {
  auto& st = self->state;
  auto saved = st.intake->save();
  checkpoint c;
  c.at = now;
  c.aggregates = std::move(saved.aggregates);
  c.dedup = std::move(saved.dedup);
  c.counters = std::move(saved.counters);
  for (const auto& [tp, offset] : st.positions)
    c.positions.push_back({tp.first, tp.second, offset});
  return c;
}

// Saves a checkpoint; `then` gets it once saved, or nullopt when the store
// failed.
void save_checkpoint(self_ptr self, const aggregator_actor_config& config,
                     std::function<void(std::optional<saved_checkpoint>)> then) {
  auto& st = self->state;
  st.dirty = false;
  checkpoint c = snapshot(self, config.clock());
  saved_checkpoint saved;
  for (const auto& p : c.positions)
    saved.positions.push_back({p.topic, p.partition, p.offset});
  const time_ms at = c.at;
  self->request(config.store, caf::infinite, std::move(c), st.published_checkpoint)
      .then(
          [=](long long id) mutable {
            self->state.last_checkpoint_id = id;
            self->state.last_checkpoint_at = at;
            self->state.last_checkpoint_error.clear();
            saved.id = id;
            then(std::move(saved));
          },
          [=](const caf::error& err) {
            spdlog::error("aggregator: checkpoint not saved: {}", caf::to_string(err));
            self->state.last_checkpoint_error = caf::to_string(err);
            self->state.dirty = true;
            then(std::nullopt);
          });
}

// Saves a checkpoint and has the collector publish and commit it; `done`
// runs once both happened (or failed).
void checkpoint_now(self_ptr self, const aggregator_actor_config& config,
                    std::function<void(bool)> done) {
  self->state.saving = true;
  save_checkpoint(self, config, [=](std::optional<saved_checkpoint> saved) {
    if (!saved || !self->state.collector) {
      self->state.saving = false;
      done(saved.has_value());
      return;
    }
    const long long id = saved->id;
    self->request(self->state.collector, caf::infinite, std::move(*saved))
        .then(
            [=](bool published) {
              auto& newest = self->state.published_checkpoint;
              if (published) newest = std::max(newest, id);
              self->state.saving = false;
              done(true);
            },
            [=](const caf::error&) {
              self->state.saving = false;
              done(true);  // saved; Kafka's copy of the offsets lags, which is safe
            });
  });
}

nlohmann::json pipeline_json(self_ptr self) {
  const auto& st = self->state;
  nlohmann::json j = st.intake->counters();
  j["checkpoint"] = {{"id", st.last_checkpoint_id},
                     {"at_ms", st.last_checkpoint_at},
                     {"error", st.last_checkpoint_error}};
  j["dedup_ids"] = st.intake->remembered_ids();
  j["models"] = st.intake->aggregates().model_count();
  return j;
}

nlohmann::json models_json(self_ptr self, time_ms now) {
  auto views = self->state.intake->aggregates().views(now);
  auto out = nlohmann::json::object();
  for (const auto& [key, v] : views)
    out[key] = v;  // decision/model_view_json.cpp
  return out;
}

}  // namespace

caf::behavior aggregator_actor(caf::stateful_actor<aggregator_state>* self,
                               aggregator_actor_config config) {
  log_surprises(self, "aggregator");
  auto& st = self->state;
  st.intake = std::make_unique<signal_intake>(config.intake, config.catalog);
  if (config.restore_from) {
    const auto& c = *config.restore_from;
    if (auto restored = st.intake->restore({c.aggregates, c.dedup, c.counters}); restored) {
      for (const auto& p : c.positions)
        st.positions[{p.topic, p.partition}] = p.offset;
      st.last_checkpoint_id = c.id;
      st.last_checkpoint_at = c.at;
      // Kept until a newer one is published: a crash before then restores
      // it again.
      st.published_checkpoint = c.id;
      spdlog::info("aggregator: restored checkpoint {} ({} models, {} positions)", c.id,
                   st.intake->aggregates().model_count(), c.positions.size());
    } else {
      // Start afresh rather than from half a checkpoint.
      spdlog::error("aggregator: checkpoint {} unusable, starting afresh: {}", c.id,
                    restored.err().detail);
      st.intake = std::make_unique<signal_intake>(config.intake, config.catalog);
    }
  }
  config.restore_from.reset();
  self->delayed_send(self, config.checkpoint_interval, tick_atom::value);
  return {
      [=](const signal_batch& batch) {
        apply_batch(self, batch, config.clock());
        long long n = 0;
        for (auto r : batch.received)
          n += r;
        return n;
      },
      [=](views_atom) {
        return model_views{std::make_shared<const std::unordered_map<model_key, model_view>>(
            self->state.intake->aggregates().views(config.clock()))};
      },
      // The periodic checkpoint, when something changed since the last.
      [=](tick_atom) {
        self->delayed_send(self, config.checkpoint_interval, tick_atom::value);
        if (self->state.dirty && !self->state.saving) checkpoint_now(self, config, [](bool) {});
      },
      // A checkpoint now (shutdown): answers once it is saved and committed.
      [=](checkpoint_atom) {
        auto promise = self->make_response_promise<bool>();
        checkpoint_now(self, config, [promise](bool ok) mutable { promise.deliver(ok); });
        return promise;
      },
      // Partitions are being revoked: a checkpoint of everything applied, for
      // the collector to publish before it lets them go.
      [=](handoff_atom) {
        auto promise = self->make_response_promise<saved_checkpoint>();
        save_checkpoint(self, config, [promise](std::optional<saved_checkpoint> saved) mutable {
          if (saved)
            promise.deliver(std::move(*saved));
          else
            promise.deliver(caf::make_error(caf::sec::runtime_error, "checkpoint not saved"));
        });
        return promise;
      },
      // The collector published this checkpoint's record itself (a handoff).
      [=](published_atom, long long id) {
        auto& published = self->state.published_checkpoint;
        published = std::max(published, id);
      },
      [=](const pipeline_query& q) { q.done(pipeline_json(self)); },
      [=](const models_query& q) { q.done(models_json(self, config.clock())); },
      [=](const declared_models& d) { self->state.intake->aggregates().declare(d.models); },
      [=](peers_atom, const caf::actor& decision, const caf::actor& collector) {
        self->state.decision = decision;
        self->state.collector = collector;
      },
  };
}

}  // namespace llmopt
