#pragma once

// Every message type and atom the actors exchange, in one place.
//
// The structs below travel between actors of one process only; they are
// declared "unsafe" message types for CAF (never serialized).

#include <array>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "adapters/kafka/consumer.hpp"
#include "adapters/providers/upstream_outcome.hpp"
#include "decision/decision_record.hpp"
#include "decision/model_spec.hpp"
#include "decision/model_stats.hpp"
#include "decision/peer_view.hpp"
#include "decision/pipeline_counters.hpp"
#include "decision/route.hpp"
#include "decision/routing_table.hpp"
#include "decision/scoring.hpp"
#include "decision/signal.hpp"
#include "store/checkpoint_store.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt {

// -- atoms --------------------------------------------------------------------

using poll_atom = caf::atom_constant<caf::atom("poll")>;            // collector: poll Kafka again
using tick_atom = caf::atom_constant<caf::atom("tick")>;            // decision: periodic rescoring
using urgent_atom = caf::atom_constant<caf::atom("urgent")>;        // decision: decide now
using rescore_atom = caf::atom_constant<caf::atom("rescore")>;      // decision: decide now, reply
using views_atom = caf::atom_constant<caf::atom("views")>;          // aggregator: snapshot request
using consuming_atom = caf::atom_constant<caf::atom("consuming")>;  // collector -> router
using checkpoint_atom = caf::atom_constant<caf::atom("ckpt")>;  // aggregator: save a checkpoint now
// aggregator: save a checkpoint now and answer with it (partitions are being revoked)
using handoff_atom = caf::atom_constant<caf::atom("handoff")>;
// aggregator: the collector published this checkpoint's record
using published_atom = caf::atom_constant<caf::atom("published")>;
using drain_atom =
    caf::atom_constant<caf::atom("drain")>;  // collector: stop polling, await in-flight
using peers_atom = caf::atom_constant<caf::atom("peers")>;  // actors spawned after the receiver
using report_atom = caf::atom_constant<caf::atom("report")>;  // decision exchange: report now
using address_atom =
    caf::atom_constant<caf::atom("address")>;  // the gateway's URL, once it listens
using decided_atom = caf::atom_constant<caf::atom("decided")>;  // decision: the routes decided here

// -- signals --------------------------------------------------------------------

struct sourced_signal {
  signal_source source;
  typed_signal signal;
};

// What one Kafka poll brought: the signals parsed from it, how many messages
// each source delivered and how many were dead-lettered, and the position
// (next offset) of every partition it read. Applied by the aggregator in one
// go, so that the aggregates, the counters and the positions move together.
struct signal_batch {
  std::vector<sourced_signal> signals;
  std::array<long long, signal_source_count> received{};
  std::array<long long, signal_source_count> dead_lettered{};
  std::vector<kafka::topic_partition_offset> positions;
};

// A checkpoint the store has saved, with its positions: the collector
// publishes its record (when the group shares checkpoints), then commits them.
struct saved_checkpoint {
  long long id = 0;
  std::vector<kafka::topic_partition_offset> positions;
};

// Every model's view at one moment, shared read-only between actors.
using model_views = std::shared_ptr<const std::unordered_map<model_key, model_view>>;

// -- decisions ------------------------------------------------------------------

struct decision_batch {
  std::vector<decision> decisions;
};

// Decisions other instances made, read from the decisions topic
// (kafka.share_decisions): to the decision actor, and those it applied on
// to the store, which keeps the ones it has not stored yet.
struct followed_decisions {
  std::vector<decision> decisions;
};

// Another instance's report (kafka.topics.cluster), to the decision actor,
// which adds the views in it to its own when it decides.
struct peer_report {
  instance_report report;
};

// The signal partitions the collector consumes and their lag, for this
// instance's report.
struct consumed_partitions {
  std::vector<instance_report::partition_lag> partitions;
};

// The instances that share decisions (GET /admin/v1/cluster).
struct cluster_query {
  std::function<void(nlohmann::json)> done;
};

// The partitions of the decisions topic this instance decides, as the
// deciders' consumer group assigned them, out of `partitions`.
struct decided_partitions {
  int partitions = 1;
  std::set<int> decided;
};

// Billed calls for the spend ledger (sent by the request path to the store,
// which answers true once they are written; an empty batch only waits for
// those before it).
struct spend_batch {
  std::vector<spend_entry> entries;
};

// -- requests through the gateway -----------------------------------------------

// One upstream call's outcome for its provider's key.
struct provider_call {
  std::string provider;
  outcome_class outcome = outcome_class::ok;
  int http_status = 0;
  std::string error;  // never contains the key
};

// Calls' outcomes, sent together by the request path (call_reports.hpp) to
// the router, which keeps counters per provider key.
struct provider_calls {
  std::vector<provider_call> calls;
};

// A provider:model's circuit breaker changed state (sent by the request
// path to the decision actor): while it is not closed the engine excludes
// the model, and says so in its decisions.
struct breaker_change {
  model_key model;
  bool closed = true;
  time_ms at = 0;  // wall clock
};

// A read of the routing table, for the admin API.
struct table_query {
  std::function<void(routing_table)> done;
};

// Reads for the admin API: JSON documents built by the actor that owns the
// data.
struct pipeline_query {
  std::function<void(nlohmann::json)> done;
};
struct models_query {
  std::function<void(nlohmann::json)> done;
};
// The decision actor's counters: decisions by trigger kind, and the
// candidates each route's last decision excluded or held back.
struct decisions_query {
  std::function<void(nlohmann::json)> done;
};
struct providers_query {
  std::function<void(nlohmann::json)> done;
};
// The store's newest `limit` decisions, newest first, each explained as
// `llmopt decisions explain` does (pages/decision_explanation.hpp): its
// JSON with "calls_by_key" and "explanation" (the text).
struct recent_decisions_query {
  int limit = 10;
  std::function<void(nlohmann::json)> done;
};

// A configuration reload, to the decision actor: the engine takes the new
// options, routes and models (decision_engine::reconfigure), then decides at
// once; `trigger` says which configuration (config_trigger).
struct engine_reconfig {
  engine_options options;
  std::vector<route_spec> routes;
  std::vector<model_spec> models;
  std::vector<std::string> changed_routes;
  decision_trigger trigger;
};
// ... and to the aggregator: models it may not have seen, with their priors.
struct declared_models {
  std::vector<model_spec> models;
};

// A read of readiness, for /health/ready.
struct readiness_query {
  std::function<void(bool ready, std::string why_not)> done;
};

}  // namespace llmopt

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::signal_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::model_views)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::decision_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::followed_decisions)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::decided_partitions)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::peer_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::cluster_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::consumed_partitions)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::decision_trigger)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::routing_table)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::provider_calls)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::breaker_change)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::table_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::readiness_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::saved_checkpoint)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::pipeline_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::models_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::decisions_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::providers_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::recent_decisions_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::checkpoint)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::spend_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::engine_reconfig)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(llmopt::declared_models)
