#include "actors/router_actor.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "actors/supervision.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<router_state>*;

void announce_ready(self_ptr self, const router_config& config) {
  auto& st = self->state;
  if (st.announced_ready || !st.has_table || !st.consuming) return;
  st.announced_ready = true;
  std::printf("llmopt: ready\n");
  std::fflush(stdout);
  if (config.on_ready) config.on_ready();
}

void count(provider_counters& c, const provider_call& call) {
  ++c.calls;
  switch (call.outcome) {
    case outcome_class::ok:
      ++c.ok;
      return;
    case outcome_class::request_error:
      ++c.request_errors;
      break;
    case outcome_class::credentials_error:
      ++c.credentials_errors;
      break;
    case outcome_class::model_failure:
    case outcome_class::cancelled:
      ++c.model_failures;
      break;
  }
  c.last_error = call.error;
  c.last_error_status = call.http_status;
}

nlohmann::json to_json(const std::map<std::string, provider_counters>& providers) {
  auto out = nlohmann::json::object();
  for (const auto& [name, c] : providers)
    out[name] = {{"calls", c.calls},
                 {"ok", c.ok},
                 {"model_failures", c.model_failures},
                 {"credentials_errors", c.credentials_errors},
                 {"request_errors", c.request_errors},
                 {"last_error", c.last_error},
                 {"last_error_status", c.last_error_status}};
  return out;
}

}  // namespace

caf::behavior router_actor(caf::stateful_actor<router_state>* self, router_config config) {
  log_surprises(self, "router");
  return {
      [=](const routing_table& table) {
        self->state.table = table;
        self->state.has_table = true;
        config.snapshot->replace(table);
        announce_ready(self, config);
      },
      [=](const provider_calls& reported) {
        for (const auto& call : reported.calls)
          count(self->state.providers[call.provider], call);
      },
      [=](const table_query& q) { q.done(self->state.table); },
      [=](const providers_query& q) { q.done(to_json(self->state.providers)); },
      [=](const readiness_query& q) {
        const auto& st = self->state;
        if (!st.has_table)
          q.done(false, "no routing table yet");
        else if (!st.consuming)
          q.done(false, "the collector has no partitions assigned");
        else
          q.done(true, "");
      },
      [=](consuming_atom, bool consuming) {
        self->state.consuming = consuming;
        announce_ready(self, config);
      },
  };
}

}  // namespace llmopt
