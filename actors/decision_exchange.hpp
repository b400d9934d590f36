#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <caf/all.hpp>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/error_throttle.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/kafka/topic_reader.hpp"
#include "decision/peer_view.hpp"

namespace llmopt {

// Instances sharing decisions (kafka.share_decisions) through Kafka, with no
// protocol of their own:
//   - every instance follows every partition of the decisions topic (a
//     topic_follower) and hands the decisions to its decision actor
//     (followed_decisions), which applies those of the routes it does not
//     decide;
//   - the instances are also members of one consumer group,
//     `<kafka.group_id>.deciders`, on the same topic, paused (they fetch
//     nothing through it): the partitions Kafka assigns an instance there
//     are the ones it decides (decided_partitions). When an instance dies,
//     the group hands its partitions to the others after
//     kafka.session_timeout_ms;
//   - every `report_interval` each instance publishes its report on the
//     cluster topic (key: the instance): the signal partitions it consumes
//     and their lag, what it decides, and its aggregator's views; every
//     instance follows that topic too, hands the others' reports to its
//     decision actor (peer_report), whose decisions weigh them, and answers
//     GET /admin/v1/cluster from them.
// An instance decides nothing until it has read the decisions topic to the
// end it had when it started, so its first ids go on above the ones
// already made.
struct decision_exchange_config {
  // A member of `<group_id>.deciders` on the decisions topic: created by the
  // daemon (so that a bad setting fails start-up), then used by the
  // exchange alone.
  std::shared_ptr<kafka::consumer> membership;
  std::string group_id;
  std::string brokers;
  kafka::property_map properties;  // for the followers
  std::string topic;               // kafka.topics.decisions
  std::string reports_topic;       // kafka.topics.cluster
  std::string instance;
  std::shared_ptr<kafka::producer> producer;  // for the reports
  // Each model's quality prior: a report carries the evidence beyond it.
  std::map<model_key, quality_posterior> priors;
  caf::actor decision;
  caf::actor aggregator;
  caf::actor collector;
  std::chrono::milliseconds poll_timeout{100};
  std::chrono::milliseconds retry_after{1000};  // a follower that could not start
  std::chrono::milliseconds report_interval{250};
  // A report older than this is of an instance that is gone.
  std::chrono::milliseconds stale_after{10000};
};

struct decision_exchange_state {
  std::shared_ptr<kafka::consumer> membership;
  std::unique_ptr<kafka::topic_follower> follower;  // decisions
  std::unique_ptr<kafka::topic_follower> reports;   // the cluster topic
  std::chrono::steady_clock::time_point retry_at{};
  bool told = false;  // decided_partitions sent at least once
  std::set<int> decided;   // as last told
  std::set<int> assigned;  // as last seen; told once the follower has caught up on them
  bool reporting = false;  // a report is being put together
  std::string url;                                                // this instance's gateway
  std::vector<instance_report::partition_lag> signal_partitions;  // the collector's, last asked
  std::map<std::string, instance_report> by_instance;             // the newest report of each
  long long followed = 0;    // decisions read
  long long unreadable = 0;  // records that were not a decision or a report
  kafka::error_throttle error_log;
  static inline const char* name = "decision_exchange";

  // Leaves the group at once, so the others take over without waiting
  // for the session timeout.
  ~decision_exchange_state() {
    if (membership) membership->close();
  }
};

// Detached: the Kafka calls block. Receives cluster_query and
// (address_atom, url) besides its own ticks.
caf::behavior decision_exchange_actor(caf::stateful_actor<decision_exchange_state>* self,
                                      decision_exchange_config config);

}  // namespace llmopt
