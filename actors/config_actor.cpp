#include "actors/config_actor.hpp"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "actors/supervision.hpp"
#include "store/config_snapshots.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<config_state>*;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The newest snapshot's id (the one save() just wrote, or the equal one it
// kept).
result<long long> newest_snapshot(database& db) {
  auto newest = config_snapshots(db).list(1);
  if (!newest) return newest.err();
  if (newest->empty()) return error{"store", "no configuration snapshot was saved"};
  return newest->front().id;
}

config_outcome apply(self_ptr self, const config_actor_config& config, const std::string& text,
                     const std::string& source) {
  auto next = parse_settings(text, source, config.env);
  if (!next) return next.err();
  auto changes = changes_between(self->state.running, *next);
  if (auto fixed = changes.restart_only(); !fixed.empty())
    return error{"restart_required", "these settings take effect only at a restart: " +
                                         joined(fixed) + "; nothing was changed"};
  auto commit = config.prepare(*next, changes);
  if (!commit) return commit.err();
  const long long now = config.clock();
  if (auto saved = config_snapshots(*config.db).save(now, source, text); !saved)
    return error{"store", saved.err().detail + "; nothing was changed"};
  auto id = newest_snapshot(*config.db);
  if (!id) return error{"store", id.err().detail};
  applied_config applied{*id, source, std::move(changes)};
  (*commit)(applied);
  self->state = {std::move(*next), text, *id, source, now};
  if (applied.changes.empty())
    spdlog::info("configuration from {} (snapshot {}): nothing changed", source, *id);
  else
    spdlog::info("configuration from {} applied (snapshot {}): {}", source, *id,
                 joined(applied.changes.all()));
  return applied;
}

void answer(const config_reply& done, config_outcome outcome) {
  if (!outcome) spdlog::warn("configuration not applied: {}", outcome.err().detail);
  if (done) done(std::move(outcome));
}

}  // namespace

caf::behavior config_actor(caf::stateful_actor<config_state>* self, config_actor_config config) {
  log_surprises(self, "config");
  self->state.running = config.running;
  self->state.text = config.running_text;
  self->state.source = config.running.source;
  self->state.applied_at_ms = config.clock();
  if (auto id = newest_snapshot(*config.db); id) self->state.snapshot_id = *id;
  return {
      [=](config_apply& a) { answer(a.done, apply(self, config, a.text, a.source)); },
      [=](config_reread& r) {
        if (!config.file)
          return answer(r.done, error{"config",
                                      "the daemon runs the built-in configuration: there is no "
                                      "file to read again (start it with --config FILE)"});
        std::ifstream in(*config.file, std::ios::binary);
        std::ostringstream text;
        if (!in || !(text << in.rdbuf()))
          return answer(r.done, error{"config", *config.file + ": cannot read the file"});
        answer(r.done, apply(self, config, text.str(), *config.file));
      },
      [=](config_rollback& r) {
        auto found = config_snapshots(*config.db).find(r.snapshot_id);
        if (!found) return answer(r.done, error{"store", found.err().detail});
        if (!*found)
          return answer(r.done, error{"not_found", "there is no configuration snapshot " +
                                                       std::to_string(r.snapshot_id)});
        answer(r.done,
               apply(self, config, (*found)->text, "rollback to " + std::to_string(r.snapshot_id)));
      },
      [=](const config_query& q) {
        const auto& st = self->state;
        q.done({{"snapshot", st.snapshot_id},
                {"source", st.source},
                {"applied_at_ms", st.applied_at_ms},
                {"file", config.file ? nlohmann::json(*config.file) : nlohmann::json(nullptr)}});
      },
  };
}

std::pair<int, nlohmann::json> config_outcome_json(const config_outcome& outcome) {
  if (outcome) {
    const auto& a = *outcome;
    return {200,
            {{"applied", true},
             {"snapshot", a.snapshot_id},
             {"source", a.source},
             {"changes", a.changes.all()}}};
  }
  const auto& e = outcome.err();
  int status = 500;
  if (e.code == "config" || e.code == "startup") status = 400;
  if (e.code == "restart_required") status = 409;
  if (e.code == "not_found") status = 404;
  return {
      status,
      {{"applied", false},
       {"error", {{"message", e.detail}, {"type", "invalid_request_error"}, {"code", e.code}}}}};
}

}  // namespace llmopt
