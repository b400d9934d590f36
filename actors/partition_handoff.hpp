#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/producer.hpp"
#include "adapters/kafka/topic_reader.hpp"
#include "store/checkpoint_record.hpp"

namespace llmopt {

// The next offset of each partition the collector has handed on. Shared
// between the collector and its consumer's callbacks, which the consumer
// calls on the collector's thread only.
using partition_positions = std::map<std::pair<std::string, int>, long long>;

// How the instances of a group (kafka.share_decisions) pass signal
// partitions to each other without a signal counted twice or lost.
//
// Each instance keeps its aggregates in its own store, so "counted once"
// means: a partition's offsets fall into ranges, one per owner in turn,
// each starting where the one before ended, and each store holds its own
// ranges exactly. Three things make it so:
// - Records. Every checkpoint saved is published on kafka.topics.checkpoints
//   (checkpoint_record, key = the store's identity, partition 0) before its offsets are
//   committed. After a crash an instance restores the checkpoint its newest
//   record names, not its newest, and a partition's next owner starts where
//   the furthest record says (group_positions): both ends of a range agree.
// - Handoffs. A partition taken away by a rebalance is first checkpointed
//   with everything applied of it and the record published, before the
//   consumer lets it go; its next owner, assigned only after that, first
//   reads the records to their end.
// - Leftovers. Messages of a partition taken away that the same poll had
//   already fetched are dropped by the collector: they are the next owner's.
//
// Threads: one at a time: the daemon's while it starts (catch_up), then the
// collector's (the consumer's callbacks run inside its poll and its close).
// A handoff blocks that thread until the aggregator and the store have
// saved the checkpoint and the broker has its record.
//
// Trust: the topic must be writable by the llmopt instances of the group
// only (as kafka.topics.decisions): a record read is believed.
class partition_handoff {
 public:
  struct options {
    std::string group;                               // kafka.group_id: other groups' are not read
    std::string store;                               // store_identity()
    std::string topic;                               // kafka.topics.checkpoints
    std::unique_ptr<kafka::topic_follower> records;  // follows `topic`
    std::shared_ptr<kafka::producer> producer;       // publishes to it
    // The most a handoff waits for its checkpoint or the topic's end.
    std::chrono::milliseconds wait{10'000};
  };
  partition_handoff(options o, std::shared_ptr<partition_positions> own);

  // The aggregator that saves the handoffs' checkpoints, once spawned, and
  // the consumer whose offsets a handoff stores for the commit on revoke.
  void connect(caf::actor_system& system, caf::actor aggregator, kafka::consumer& consumer);
  // The checkpoint restored at start, when the group's record names it:
  // none older is published.
  void restored(long long checkpoint) { published_ = checkpoint; }
  // No more handoffs: the collector has stopped for good and its last
  // checkpoint is the final one.
  void retire() { retired_ = true; }

  // consumer_options::start_offset: the furthest of where this instance
  // and where the group stopped; nullopt when neither read the partition.
  std::optional<long long> start_offset(const std::string& topic, int partition) const;
  // Reads the records to the topic's end; fails when that end is not
  // reached within options.wait.
  status catch_up();
  // consumer_options::before_assign: catch_up(), logging a failure.
  void assigning();
  // consumer_options::on_revoke.
  void revoked(const std::vector<std::pair<std::string, int>>& partitions, bool lost);

  // Publishes `saved`'s record and waits for the broker to have it: whether
  // it does. A checkpoint older than one published is not (false).
  bool publish(const saved_checkpoint& saved);
  // Reads the records that arrived, without waiting.
  void follow();
  // The checkpoint this store's newest record names, as read so far.
  std::optional<long long> recorded_checkpoint() const {
    return group_.checkpoint_of(options_.store);
  }

 private:
  void read(const std::vector<kafka::topic_record>& records);

  options options_;
  group_positions group_;
  std::shared_ptr<partition_positions> own_;
  long long published_ = 0;
  bool retired_ = false;
  caf::actor_system* system_ = nullptr;
  caf::actor aggregator_;
  kafka::consumer* consumer_ = nullptr;
};

}  // namespace llmopt
