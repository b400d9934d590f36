#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/shared_snapshot.hpp"
#include "adapters/providers/chat_request.hpp"
#include "adapters/providers/provider_client.hpp"
#include "config/settings.hpp"
#include "decision/model_spec.hpp"
#include "decision/retry_policy.hpp"
#include "decision/routing_table.hpp"

namespace llmopt {

// A request's deadline and retry policy, by route.
struct request_guarding {
  long long timeout_ms = 600000;
  retry_policy retry;
};

// What the request path knows of providers, models and routes: one
// configuration's, replaced whole by a reload (serving_snapshot) and read by
// every request without a lock. A request keeps the catalog it started with
// (attempt_plan::catalog) until it ends, so its provider clients outlive a
// reload that drops them.
struct serving_catalog {
  struct model_entry {
    model_capabilities capabilities;
    model_price price;
  };
  // Provider name -> its client.
  std::map<std::string, std::shared_ptr<provider_client>> providers;
  std::unordered_map<model_key, model_entry> models;
  std::vector<std::string> model_ids;  // the declared models, in config order
  std::vector<std::string> routes;
  std::size_t max_attempts = 3;
  long long default_max_tokens = 4096;  // reserved for a request without max_tokens
  request_guarding guarding;            // of provider:model requests
  std::map<std::string, request_guarding> route_guarding;
  long long max_timeout_ms = 3600000;  // the largest x-llmopt-timeout-ms

  // The declared model, or nullptr: a request may name only declared models.
  const model_entry* find(const model_key& m) const;
  // The deadline and retry policy of requests for `target` (a route, or
  // provider:model).
  const request_guarding& guarding_of(const std::string& target) const;
};
using serving_snapshot = shared_snapshot<serving_catalog>;

// One candidate to try, with the request already in its wire format.
struct planned_attempt {
  model_key model;
  provider_client* client = nullptr;
  const model_price* price = nullptr;  // the declared model's list price
  wire::upstream_request native;
};

// The candidates one request may try, in order: every one that can serve
// it, of which at most max_attempts are called (those skipped at attempt
// time, for a breaker or a provider limit, do not count).
struct attempt_plan {
  // The catalog the attempts' clients and prices belong to, held until the
  // request ends.
  std::shared_ptr<const serving_catalog> catalog;
  std::string route;          // empty when the request named provider:model
  long long decision_id = 0;  // the decision whose weights chose the order
  std::vector<planned_attempt> attempts;
  std::size_t max_attempts = 3;
};

// Chooses the candidates of a request: a route's candidates drawn by weight
// (u in [0, 1)) among those that can serve it — every capability it needs
// declared, within the context window, and expressible in the candidate's
// wire format — the others' weights renormalized; or the one model
// "provider:model" names. Candidates in `held` (a breaker open, a provider
// paused, until a steady-clock time after `now_ms`) come after all the
// others, so the weighted draw is among those that can take the call.
// Errors, with what
// the gateway answers:
//   model_not_found (404): an unknown route, a provider not configured, or
//     a provider:model the config does not declare;
//   no_routing_table, no_candidate (503): the route has no weights yet, or
//     every candidate is excluded by the decision engine;
//   capability_missing, unsupported_parameter (400): no candidate can serve
//     the request; the detail says what each one lacks, error.field names
//     the request field of the first.
//
// `field_name` names a field of the (OpenAI-shaped) request as the client
// wrote it, in errors: the identity for OpenAI clients; the field of their
// own request for Anthropic clients (wire::anthropic_field_of).
using field_namer = std::function<std::string(const std::string&)>;
struct held_back {
  const std::unordered_map<model_key, long long>* models = nullptr;  // -> held-until, steady ms
  long long now_ms = 0;
  bool holds(const model_key& m) const;
};
result<attempt_plan> plan_attempts(const serving_catalog& catalog, const routing_table* table,
                                   const chat_request& request, const std::string& target, double u,
                                   const field_namer& field_name = {}, held_back held = {});

}  // namespace llmopt
