#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/signals/signal_parser.hpp"

namespace llmopt {

struct collector_config {
  // Created by the daemon (so that a bad broker address fails start-up) and
  // then owned by the collector alone.
  std::shared_ptr<kafka::consumer> consumer;
  std::shared_ptr<kafka::producer> producer;  // for dead letters
  std::map<std::string, topic_kind> topics;   // signal topic -> what it carries
  std::string dlq_topic;
  parse_limits limits;
  std::size_t batch_max = 1000;
  std::chrono::milliseconds poll_timeout{50};
  int max_batches_in_flight = 4;  // polls stop while this many await the aggregator
  caf::actor aggregator;
  caf::actor router;  // told whether the collector is consuming
};

struct collector_state {
  std::shared_ptr<kafka::consumer> consumer;
  std::shared_ptr<kafka::producer> producer;
  std::unique_ptr<signal_parser> parser;
  int in_flight = 0;
  bool poll_scheduled = false;
  bool consuming = false;
  long long dead_lettered = 0;
  static inline const char* name = "collector";

  // Closing the consumer commits the offsets stored so far.
  ~collector_state() {
    if (consumer) consumer->close();
    if (producer) producer->flush(std::chrono::seconds(5));
  }
};

// Consumes the signal topics in a consumer group, at least once.
//
// Each poll's messages are parsed; bad ones go to the dead-letter topic with
// their reason, good ones to the aggregator as one signal_batch. The
// partitions' offsets are stored for commit only after the aggregator has
// applied the batch (and the dead letters are flushed), so a crash replays
// what was not applied and loses nothing. Blocking: spawn it detached.
// On exit the consumer is closed, which commits the stored offsets.
caf::behavior collector_actor(caf::stateful_actor<collector_state>* self, collector_config config);

}  // namespace llmopt
