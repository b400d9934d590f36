#include "actors/decision_actor.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/supervision.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<decision_state>*;

// Triggers that queued up while a decision was under way, as one: every
// one's causes, in order.
decision_trigger join(const std::vector<decision_trigger>& parts) {
  decision_trigger out = parts.front();
  for (std::size_t i = 1; i < parts.size(); ++i)
    out.add(parts[i]);
  return out;
}

// Takes the ticks out of `queued`: an urgent trigger covers them.
void drop_ticks(std::vector<decision_trigger>& queued) {
  queued.erase(
      std::remove_if(queued.begin(), queued.end(), [](const auto& t) { return t.tick_only(); }),
      queued.end());
}

// The candidates `d` excluded or held back: the route's constraints until
// its next decision (GET /metrics).
void note_constraints(decision_state& st, const decision& d) {
  auto& now_constrained = st.constrained[d.route];
  now_constrained.clear();
  for (const auto& c : d.candidates)
    if (!c.excluded.empty())
      now_constrained.push_back({c.model, c.excluded, true});
    else if (!c.held_back.empty())
      now_constrained.push_back({c.model, c.held_back, false});
}

// The aggregator's views with every live peer's added: what all the
// instances know of each model. Alone, the aggregator's.
model_views with_peers(self_ptr self, const decision_actor_config& config, const model_views& own,
                       time_ms now) {
  auto& peers = self->state.peers;
  for (auto it = peers.begin(); it != peers.end();)
    it = now - it->second.received > config.stale_after_ms ? peers.erase(it) : std::next(it);
  if (peers.empty()) return own;
  auto all = std::make_shared<std::unordered_map<model_key, model_view>>(*own);
  for (const auto& [instance, report] : peers)
    for (const auto& view : report.models) {
      auto mine = all->find(view.model);
      auto prior = config.priors.find(view.model);
      if (mine != all->end() && prior != config.priors.end())
        add_peer_view(mine->second, view, prior->second);
    }
  return all;
}

void decide(self_ptr self, const decision_actor_config& config, decision_trigger trigger) {
  if (self->state.deciding) {
    auto& q = self->state.queued;
    // An urgent trigger covers a tick, queued before or after it: the
    // decision is then named, and counted, by what made it urgent.
    if (trigger.tick_only()) {
      if (q.empty()) q.push_back(std::move(trigger));
      return;
    }
    drop_ticks(q);
    q.push_back(std::move(trigger));
    return;
  }
  self->state.deciding = true;
  auto waiting = std::move(self->state.waiting);
  self->state.waiting.clear();
  self->request(config.aggregator, caf::infinite, views_atom::value)
      .then(
          [=](const model_views& own) mutable {
            // The aggregator's urgent triggers that came meanwhile are in
            // these views: this decision answers them and is named by them
            // first (what changed since it was asked for). Deciding again
            // for them would find nothing new, and the signal that changed
            // the table would name no decision.
            if (!self->state.in_views.empty()) {
              auto& seen = self->state.in_views;
              if (!trigger.tick_only()) seen.push_back(std::move(trigger));
              trigger = join(seen);
              seen.clear();
            }
            const time_ms now = config.clock();
            auto views = with_peers(self, config, own, now);
            auto made = self->state.engine->decide(*views, now, trigger);
            for (auto& d : made)
              d.decided_by = config.instance;
            for (const auto& d : made) {
              ++self->state.decisions_by_trigger[metric_label(trigger)];
              note_constraints(self->state, d);
            }
            if (!made.empty()) {
              for (const auto& d : made) {
                auto said = reason_lines(d);
                spdlog::info("decision {} route {}: {}", d.id, d.route,
                             said.empty() ? std::string{} : said.front());
              }
              self->send(config.router, self->state.engine->table());
              if (config.publish)
                for (const auto& d : made)
                  config.publish(d, config.instance.empty()
                                        ? std::nullopt
                                        : std::optional<int>(route_partition(
                                              d.route, self->state.engine->partitions())));
              self->send(config.store, decision_batch{std::move(made)});
            }
            self->state.deciding = false;
            for (auto& w : waiting)
              w.deliver(self->state.engine->table());
            if (!self->state.queued.empty()) {
              auto next = join(self->state.queued);
              self->state.queued.clear();
              decide(self, config, std::move(next));
            }
          },
          [=](const caf::error& err) mutable {
            spdlog::error("decision: no views from the aggregator: {}", caf::to_string(err));
            self->state.deciding = false;
            for (auto& w : waiting)
              w.deliver(err);
          });
}

}  // namespace

caf::behavior decision_actor(caf::stateful_actor<decision_state>* self,
                             std::shared_ptr<decision_engine> engine,
                             decision_actor_config config) {
  log_surprises(self, "decision");
  self->state.engine = std::move(engine);
  self->send(self, urgent_atom::value, startup_trigger());
  self->delayed_send(self, config.tick, tick_atom::value);
  return {
      [=](tick_atom) {
        decide(self, config, tick_trigger());
        self->delayed_send(self, config.tick, tick_atom::value);
      },
      [=](urgent_atom, decision_trigger trigger) {
        auto& st = self->state;
        if (st.deciding && self->current_sender() == config.aggregator) {
          // The views under way have it; it covers a queued tick.
          drop_ticks(st.queued);
          st.in_views.push_back(std::move(trigger));
          return;
        }
        decide(self, config, std::move(trigger));
      },
      [=](const breaker_change& change) {
        self->state.engine->set_circuit_open(change.model, !change.closed, change.at);
        decide(self, config, circuit_trigger(change.model, !change.closed));
      },
      [=](engine_reconfig& next) {
        for (const auto& name : next.changed_routes)
          if (std::none_of(next.routes.begin(), next.routes.end(),
                           [&](const route_spec& r) { return r.name == name; }))
            self->state.constrained.erase(name);
        self->state.engine->reconfigure(next.options, std::move(next.routes),
                                        std::move(next.models), next.changed_routes);
        self->send(config.router, self->state.engine->table());  // without removed routes
        decide(self, config, std::move(next.trigger));
      },
      [=](rescore_atom, decision_trigger trigger) {
        auto promise = self->make_response_promise<routing_table>();
        self->state.waiting.push_back(promise);
        decide(self, config, std::move(trigger));
        return promise;
      },
      [=](followed_decisions& followed) {
        auto& engine = *self->state.engine;
        std::vector<decision> applied;
        std::vector<std::string> contested;
        for (auto& d : followed.decisions) {
          // Another instance's decision of a route decided here, as new as
          // this one's or newer: it decided while this one took over (or
          // has not noticed it lost the route). Decided again, above it.
          auto current = engine.table().find(d.route);
          if (engine.decides(d.route) && d.decided_by != config.instance &&
              current != engine.table().end() && d.id >= current->second.decision_id) {
            spdlog::warn("decision {} route {}: made by {} though the route is decided here", d.id,
                         d.route, d.decided_by);
            engine.redecide(d.route);
            contested.push_back(d.route);
          }
          if (!engine.follow(d)) continue;
          spdlog::debug("decision {} route {}: followed, decided by {}", d.id, d.route,
                        d.decided_by);
          note_constraints(self->state, d);
          applied.push_back(std::move(d));
        }
        if (!contested.empty())
          decide(self, config, takeover_trigger("another instance decided a route decided here"));
        if (applied.empty()) return;
        spdlog::info("decision: followed {} decision(s), the newest {} of route {}", applied.size(),
                     applied.back().id, applied.back().route);
        self->send(config.router, engine.table());
        self->send(config.store, followed_decisions{std::move(applied)});
      },
      [=](const decided_partitions& assigned) {
        auto taken = self->state.engine->share(assigned.partitions, assigned.decided);
        std::string partitions;
        for (int p : assigned.decided)
          partitions += (partitions.empty() ? "" : ",") + std::to_string(p);
        spdlog::info("decision: deciding partitions [{}] of {}: {} route(s) newly decided here",
                     partitions, assigned.partitions, taken.size());
        if (!taken.empty())
          decide(self, config,
                 takeover_trigger(config.instance + " decides partitions [" + partitions + "] of " +
                                  std::to_string(assigned.partitions)));
      },
      [=](peer_report& peer) {
        // In the order written: the last one received is the newest.
        self->state.peers[peer.report.instance] = std::move(peer.report);
      },
      [=](decided_atom) {
        std::vector<std::string> routes;
        for (const auto& r : self->state.engine->routes())
          if (self->state.engine->decides(r.name)) routes.push_back(r.name);
        return routes;
      },
      [=](const decisions_query& q) {
        const auto& st = self->state;
        auto constrained = nlohmann::json::array();
        for (const auto& [route, candidates] : st.constrained)
          for (const auto& c : candidates)
            constrained.push_back({{"route", route},
                                   {"model", c.model},
                                   {"constraint", to_string(*c.why.code)},
                                   {"excluded", c.excluded}});
        q.done({{"by_trigger", st.decisions_by_trigger}, {"constrained", std::move(constrained)}});
      },
  };
}

}  // namespace llmopt
