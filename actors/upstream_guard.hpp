#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "adapters/providers/upstream_outcome.hpp"
#include "decision/circuit_breaker.hpp"
#include "decision/model_key.hpp"
#include "decision/provider_limit.hpp"
#include "decision/retry_budget.hpp"

namespace llmopt {

struct upstream_guard_options {
  breaker_options breaker;
  retry_budget_options retry_budget;
  std::map<std::string, provider_limits> limits;  // by provider name; absent: no limit
};

// Models held back from new requests, and until when (steady ms; a huge
// value while a half-open probe is out). Immutable once published.
using held_models = std::unordered_map<model_key, long long>;

// What the request path shares across requests about upstreams: a circuit
// breaker per provider:model, each provider key's limits and pauses, and the
// retry budget. Owned by the curl loop thread and touched only there (no
// locks); held() alone may be read from any thread (the HTTP threads, at
// plan time). Time is steady-clock ms, passed in.
class upstream_guard {
 public:
  explicit upstream_guard(upstream_guard_options options);

  // -- any thread --
  // Models whose breaker is open or whose provider is paused, as last
  // published: plan time draws among the others first.
  std::shared_ptr<const held_models> held() const { return std::atomic_load(&held_); }

  // -- the loop thread --
  enum class skip { none, breaker_open, provider_paused, provider_limit };
  struct verdict {
    skip why = skip::none;
    long long available_at_ms = 0;  // when it may be tried again (the soonest guess)
  };
  // Whether a call of about `tokens` to `model` may start now.
  verdict check(const model_key& model, long long tokens, long long now_ms) const;
  // A call starts: REQUIRES check() said none just before. Takes the probe of
  // a half-open breaker and a place in the provider's limits.
  void started(const model_key& model, long long tokens, long long now_ms);
  // The call ended. Its breaker counts model failures and successes only;
  // `cut_by_deadline` calls count for nothing (the request ran out of time,
  // not the model). A 429 that says how long to wait pauses the provider.
  void finished(const model_key& model, const upstream_reply& reply, bool cut_by_deadline,
                long long now_ms);
  retry_budget& budget() { return budget_; }
  // New thresholds and provider limits from a configuration reload. Each
  // breaker keeps its state and each provider its calls in flight and its
  // pause; a provider no longer limited is no longer limited.
  void reconfigure(upstream_guard_options options);

  // Called on every breaker state change (open, half-open, closed), on the
  // loop thread: the decision side learns of it.
  using breaker_listener =
      std::function<void(const model_key&, circuit_breaker::state, long long next_probe_ms)>;
  void on_breaker_change(breaker_listener listener) { listener_ = std::move(listener); }

  // GET /admin/v1/breakers and the limits part of /admin/v1/providers;
  // times are shown as Unix ms (`wall_offset_ms` = wall clock - steady clock).
  nlohmann::json breakers_json(long long now_ms, long long wall_offset_ms) const;
  nlohmann::json providers_json(long long now_ms, long long wall_offset_ms) const;

 private:
  circuit_breaker& breaker(const model_key& model);
  provider_limit& limit(const std::string& provider);
  void after_breaker_event(const model_key& model, circuit_breaker::state before);
  void publish();

  upstream_guard_options options_;
  std::map<model_key, circuit_breaker> breakers_;
  std::map<std::string, provider_limit> limits_;
  retry_budget budget_;
  breaker_listener listener_;
  std::shared_ptr<const held_models> held_ = std::make_shared<const held_models>();
};

std::string to_string(upstream_guard::skip s);

}  // namespace llmopt
