#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/partition_handoff.hpp"
#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/signals/signal_parser.hpp"
#include "decision/pipeline_counters.hpp"

namespace llmopt {

struct collector_config {
  // Created by the daemon (so that a bad broker address fails start-up) and
  // then owned by the collector alone. The consumer's start_offset reads
  // `positions`.
  std::shared_ptr<kafka::consumer> consumer;
  std::shared_ptr<kafka::producer> producer;  // for dead letters
  std::shared_ptr<partition_positions> positions;
  // When the group shares checkpoints: the consumer's callbacks call it too.
  std::shared_ptr<partition_handoff> handoff;
  std::map<std::string, topic_kind, std::less<>> topics;  // signal topic -> what it carries
  std::string dlq_topic;
  parse_limits limits;
  std::size_t batch_max = 1000;
  std::chrono::milliseconds poll_timeout{50};
  long long high_watermark = 50'000;  // in-flight messages that pause the partitions
  long long low_watermark = 25'000;   // ... and resume them
  caf::actor aggregator;
  caf::actor router;  // told whether the collector is consuming
};

struct collector_state {
  std::shared_ptr<kafka::consumer> consumer;
  std::shared_ptr<kafka::producer> producer;
  std::shared_ptr<partition_positions> positions;
  std::shared_ptr<partition_handoff> handoff;
  std::unique_ptr<signal_parser> parser;
  long long in_flight = 0;  // messages handed to the aggregator, not yet applied
  bool paused = false;
  long long pauses = 0;  // times the partitions were paused
  // Dead letters sent since start, by reason (dead_letter::all_reasons).
  std::map<std::string, long long> dead_letters_by_reason;
  bool poll_scheduled = false;
  bool consuming = false;
  bool draining = false;
  std::optional<caf::response_promise> drained;
  static inline const char* name = "collector";

  // Closing the consumer commits the offsets stored so far.
  ~collector_state() {
    if (consumer) consumer->close();
    if (producer) producer->flush(std::chrono::seconds(5));
  }
};

// Consumes the signal topics in a consumer group, at least once, with
// bounded memory.
//
// Each poll's messages are parsed; bad ones go to the dead-letter topic with
// their reason (retried until the broker has them), good ones to the
// aggregator in one signal_batch with the counts and the partitions'
// positions. Offsets are committed to Kafka only when the aggregator has
// checkpointed them (saved_checkpoint) and, when the group shares
// checkpoints, the checkpoint's record is published (partition_handoff).
// When the messages in flight reach the high watermark the partitions are
// paused (polling goes on, for the group's sake) and resumed below the low
// watermark. Blocking: spawn it detached.
//
// Receives: poll_atom (self), saved_checkpoint (replies whether it was
// published and its offsets stored for commit), drain_atom
// (stop polling; replies once nothing is in flight), pipeline_query.
caf::behavior collector_actor(caf::stateful_actor<collector_state>* self, collector_config config);

}  // namespace llmopt
