#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <caf/all.hpp>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/error_throttle.hpp"
#include "adapters/kafka/topic_reader.hpp"

namespace llmopt {

// Instances sharing decisions (kafka.share_decisions) through the decisions
// topic, with no protocol of their own:
//   - every instance follows every partition of the topic (a
//     topic_follower) and hands the decisions to its decision actor
//     (followed_decisions), which applies those of the routes it does not
//     decide;
//   - the instances are also members of one consumer group,
//     `<kafka.group_id>.deciders`, on the same topic, paused (they fetch
//     nothing through it): the partitions Kafka assigns an instance there
//     are the ones it decides (decided_partitions). When an instance dies,
//     the group hands its partitions to the others after
//     kafka.session_timeout_ms.
// An instance decides nothing until it has read the topic to the end it
// had when it started, so its first ids go on above the ones already
// made.
struct decision_exchange_config {
  kafka::consumer_options membership;  // group, topic, properties
  std::string brokers;
  kafka::property_map properties;  // for the follower
  std::string topic;
  caf::actor decision;
  std::chrono::milliseconds poll_timeout{100};
  std::chrono::milliseconds retry_after{1000};  // a follower that could not start
};

struct decision_exchange_state {
  std::unique_ptr<kafka::consumer> membership;
  std::unique_ptr<kafka::topic_follower> follower;
  std::chrono::steady_clock::time_point retry_at{};
  bool told = false;  // decided_partitions sent at least once
  std::set<int> decided;
  long long followed = 0;    // decisions read
  long long unreadable = 0;  // records that were not a decision
  kafka::error_throttle error_log;
  static inline const char* name = "decision_exchange";

  // Leaves the group at once, so the others take over without waiting
  // for the session timeout.
  ~decision_exchange_state() {
    if (membership) membership->close();
  }
};

// Detached: the Kafka calls block.
caf::behavior decision_exchange_actor(caf::stateful_actor<decision_exchange_state>* self,
                                      decision_exchange_config config);

}  // namespace llmopt
