#pragma once

// A consumer-group member with manual offset storing and pause/resume.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/kafka/client_config.hpp"
#include "adapters/kafka/error_throttle.hpp"
#include "adapters/kafka/handles.hpp"
#include "adapters/kafka/message.hpp"
#include "decision/result.hpp"

namespace llmopt::kafka {

// A position in a partition. `offset` is the next offset to consume, i.e.
// the offset of the last fully handled message plus one.
struct topic_partition_offset {
  std::string topic;
  int partition = 0;
  long long offset = 0;
};

// The position just after `m`: what to store once `m` is fully handled.
topic_partition_offset next_position(const message& m);

struct consumer_options {
  std::string brokers;   // bootstrap.servers, "host:port[,...]"
  std::string group_id;  // group.id; instances sharing it split the partitions
  std::string client_id;
  std::vector<std::string> topics;  // subscribed at create()
  // Extra librdkafka properties; they override the defaults in consumer.cpp.
  property_map properties;
};

// Concurrency: one thread only (the collector actor's). Every member,
// including the destructor, must be called from that thread; rebalance and
// error callbacks run on it inside poll_batch() and close().
//
// At-least-once: offsets are stored only by store_offsets()
// (enable.auto.offset.store=false) and committed by the background
// auto-commit, by commit_sync() and by close(). Store an offset only when
// every message before it in that partition is fully handled (applied to the
// aggregates, or its dead letter delivered); anything not stored is
// delivered again after a restart or rebalance.
//
// Lifecycle: messages returned by poll_batch() must be destroyed before the
// consumer is.
class consumer {
 public:
  // Creates the client and subscribes to options.topics. Fails on missing
  // brokers, group id or topics, or an invalid property.
  static result<std::unique_ptr<consumer>> create(consumer_options options);

  ~consumer();  // close()
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  // Up to `max` messages; waits at most `timeout` for the first and then
  // takes only what is already fetched. Serves rebalances, skips
  // partition-EOF events, logs transport errors (rate-limited) and keeps the
  // latest in last_error(). Returns nothing after close().
  std::vector<message> poll_batch(std::size_t max, std::chrono::milliseconds timeout);

  // Marks offsets to be committed. Fails for partitions not currently
  // assigned (their messages will be delivered to the new owner again);
  // the others are still stored.
  status store_offsets(const std::vector<topic_partition_offset>& offsets);

  // Commits the stored offsets now and waits for the broker's answer.
  // Having nothing new to commit is success.
  status commit_sync();

  // The partitions currently assigned to this member, as (topic, partition).
  std::vector<std::pair<std::string, int>> assignment() const;
  bool assigned() const;

  // Pause or resume fetching on the whole assignment. While paused, fetching
  // stays off for partitions assigned by later rebalances too; messages
  // fetched but not yet returned are discarded and fetched again on resume.
  status pause_all();
  status resume_all();
  bool paused() const { return paused_; }

  // The latest error event since create(); nullopt if none yet. Transport
  // errors are transient: librdkafka keeps reconnecting.
  const std::optional<error>& last_error() const { return last_error_; }

  // Commits stored offsets, leaves the group and stops the client's fetching.
  // Idempotent.
  void close();

 private:
  consumer() = default;

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void record_error(const std::string& what);
  status set_paused(bool paused);

  bool closed_ = false;
  bool paused_ = false;
  std::optional<error> last_error_;
  error_throttle error_log_;
  std::string name_;   // client.id, for log lines
  client_ptr client_;  // last: destroyed first, while the callbacks' state still exists
};

}  // namespace llmopt::kafka
