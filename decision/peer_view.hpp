#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "decision/model_stats.hpp"
#include "decision/result.hpp"

namespace llmopt {

// Instances that share decisions tell each other what their aggregators
// hold, so that whoever decides a route weighs the evidence of every
// instance: each aggregator holds the signals of the partitions its
// instance consumes (with calls shared, the calls of the models whose
// partitions it has), and the decider adds the others' views to its own.
//
// A peer's view carries its quality as evidence only: alpha and beta are
// the good and bad answers beyond the prior, so that several instances'
// evidence adds up over one prior.
//
// What adds up exactly: calls, errors, failure streaks (the longest),
// samples, lifetime totals, quality evidence, flags and policy holds (by
// id and route). What is weighed by samples, an estimate: means, and the
// percentiles of latency and TTFT (percentiles of the union are not the
// weighted percentiles; with similar instances they are close).

// One instance's report: who it is, what it consumes, what it decides and
// what its aggregator holds.
struct instance_report {
  struct partition_lag {
    std::string topic;
    int partition = 0;
    std::optional<long long> lag;  // unknown until fetched
  };
  std::string instance;
  time_ms at = 0;
  std::string url;  // its gateway
  std::vector<partition_lag> signal_partitions;
  int decision_partitions = 0;      // of the decisions topic
  std::set<int> decided;            // ... the ones it decides
  std::vector<std::string> routes;  // the routes it decides
  std::vector<model_view> models;   // peer views (quality as evidence)
  // Not carried: when this instance received it, by its own clock. Whether
  // a peer is gone is judged by this, not by the peer's clock.
  time_ms received = 0;
};

// `v` with its quality (and each route's) as evidence beyond `prior`.
model_view peer_view_of(const model_view& v, const quality_posterior& prior);

// Adds a peer's view to `own` (the decider's view of the same model).
// `prior`: the model's quality prior, for a route `own` has no feedback on.
void add_peer_view(model_view& own, const model_view& peer, const quality_posterior& prior);

std::string report_message(const instance_report& r);
// Outside input (the cluster topic): at most `max_bytes`, nested at most 32
// deep, at most 4,096 models and partitions, counts not below 0. An error
// names what is wrong.
result<instance_report> read_report_message(std::string_view text, std::size_t max_bytes = 8 << 20);

// GET /admin/v1/cluster's entry for one instance (without its models).
nlohmann::json report_summary(const instance_report& r, time_ms now);

}  // namespace llmopt
