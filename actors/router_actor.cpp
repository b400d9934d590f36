#include "actors/router_actor.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "actors/supervision.hpp"
#include "actors/wall_clock.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<router_state>*;

chat_result failure(int status, std::string type, std::string code, std::string message) {
  chat_result r;
  r.http_status = status;
  r.error_type = std::move(type);
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  return r;
}

void finish(self_ptr self, long long job_id, chat_result result) {
  auto it = self->state.jobs.find(job_id);
  if (it == self->state.jobs.end()) return;
  auto& p = it->second;
  result.route = p.route;
  result.decision_id = p.decision_id;
  result.attempts = static_cast<int>(p.next);
  if (result.model.empty() && p.next > 0) result.model = p.order[p.next - 1];
  auto done = std::move(p.job.done);
  self->state.jobs.erase(it);
  done(std::move(result));
}

void attempt(self_ptr self, const router_config& config, long long job_id) {
  auto& p = self->state.jobs.at(job_id);
  const model_key& model = p.order[p.next++];
  auto provider = config.providers.find(std::string{provider_of(model)});
  if (provider == config.providers.end()) {
    p.last = chat_reply{};
    p.last.error = "no provider configured for " + model;
    self->send(self, call_done{job_id, p.last});
    return;
  }
  chat_call call{std::string{model_name_of(model)}, p.job.body};
  auto router = caf::actor_cast<caf::actor>(self);
  provider->second->send(std::move(call), [router, job_id](chat_reply reply) {
    caf::anon_send(router, call_done{job_id, std::move(reply)});
  });
}

// The call's outcome as a signal for the aggregator.
typed_signal outcome_signal(const router_config& config, const pending_job& p,
                            const model_key& model, const chat_reply& reply) {
  call_outcome c;
  c.route = p.route;
  c.status = reply.status;
  c.latency_ms = reply.latency_ms;
  c.input_tokens = reply.input_tokens;
  c.output_tokens = reply.output_tokens;
  c.billed_usd = reply.billed_usd;
  auto spec = config.models.find(model);
  return router_call_signal(model, std::move(c),
                            spec == config.models.end() ? nullptr : &spec->second.price,
                            wall_clock_ms());
}

void start_job(self_ptr self, const router_config& config, chat_job job) {
  auto& st = self->state;
  pending_job p;
  if (job.target.find(':') != std::string::npos) {
    if (!config.providers.count(std::string{provider_of(job.target)})) {
      job.done(failure(404, "invalid_request_error", "model_not_found",
                       "no provider '" + std::string{provider_of(job.target)} + "' is configured"));
      return;
    }
    p.order = {job.target};
  } else {
    auto w = st.table.find(job.target);
    if (w == st.table.end()) {
      bool known =
          std::find(config.routes.begin(), config.routes.end(), job.target) != config.routes.end();
      job.done(known ? failure(503, "service_unavailable", "no_routing_table",
                               "route '" + job.target + "' has no routing weights yet")
                     : failure(404, "invalid_request_error", "model_not_found",
                               "unknown route '" + job.target + "'"));
      return;
    }
    p.route = job.target;
    p.decision_id = w->second.decision_id;
    p.order = w->second.attempt_order(std::uniform_real_distribution<double>(0, 1)(st.rng));
    if (p.order.empty()) {
      job.done(failure(503, "service_unavailable", "no_candidate",
                       "every candidate of route '" + job.target + "' is excluded"));
      return;
    }
    if (p.order.size() > static_cast<std::size_t>(config.max_attempts))
      p.order.resize(static_cast<std::size_t>(config.max_attempts));
  }
  p.job = std::move(job);
  const long long id = st.next_job_id++;
  st.jobs.emplace(id, std::move(p));
  attempt(self, config, id);
}

void on_call_done(self_ptr self, const router_config& config, call_done& done) {
  auto it = self->state.jobs.find(done.job_id);
  if (it == self->state.jobs.end()) return;
  auto& p = it->second;
  const model_key model = p.order[p.next - 1];
  if (config.providers.count(std::string{provider_of(model)}))
    self->send(config.aggregator, outcome_signal(config, p, model, done.reply));
  if (done.reply.status == call_status::ok) {
    chat_result r;
    r.model = model;
    r.body = std::move(done.reply.body);
    finish(self, done.job_id, std::move(r));
    return;
  }
  spdlog::debug("router: {} failed ({}): {}", model, to_string(done.reply.status),
                done.reply.error);
  p.last = std::move(done.reply);
  if (p.next < p.order.size()) {
    attempt(self, config, done.job_id);
    return;
  }
  std::string message =
      "every candidate failed; last: " + model + ": " +
      (p.last.error.empty() ? std::string{to_string(p.last.status)} : p.last.error);
  auto r = p.last.status == call_status::timeout
               ? failure(504, "upstream_error", "upstream_timeout", message)
               : failure(502, "upstream_error", "upstream_failed", message);
  r.model = model;
  finish(self, done.job_id, std::move(r));
}

void announce_ready(self_ptr self) {
  auto& st = self->state;
  if (st.announced_ready || !st.has_table || !st.consuming) return;
  st.announced_ready = true;
  std::printf("llmopt: ready\n");
  std::fflush(stdout);
}

}  // namespace

caf::behavior router_actor(caf::stateful_actor<router_state>* self, router_config config) {
  log_surprises(self, "router");
  self->state.rng.seed(config.seed);
  return {
      [=](const routing_table& table) {
        self->state.table = table;
        self->state.has_table = true;
        announce_ready(self);
      },
      [=](chat_job& job) { start_job(self, config, std::move(job)); },
      [=](call_done& done) { on_call_done(self, config, done); },
      [=](const table_query& q) { q.done(self->state.table); },
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
        announce_ready(self);
      },
  };
}

}  // namespace llmopt
