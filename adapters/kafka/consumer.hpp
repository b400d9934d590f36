#pragma once

// A consumer-group member with manual offset storing and pause/resume.

#include <chrono>
#include <cstddef>
#include <functional>
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

// Where a newly assigned partition starts: the next offset to consume (the
// offset of the last applied message plus one), or nullopt for the group's
// committed offset (auto.offset.reset when there is none).
using start_offset_fn =
    std::function<std::optional<long long>(const std::string& topic, int partition)>;

struct consumer_options {
  std::string brokers;   // bootstrap.servers, "host:port[,...]"
  std::string group_id;  // group.id; instances sharing it split the partitions
  std::string client_id;
  std::vector<std::string> topics;  // subscribed at create()
  // Extra librdkafka properties; they override the defaults in consumer.cpp.
  property_map properties;
  // Asked for every partition of every assignment (the first and each later
  // rebalance's, cooperative or eager), on the polling thread inside
  // poll_batch() or close(); it must not throw (it runs inside a librdkafka
  // callback: an exception terminates). Lets the application resume from
  // its own checkpoint when Kafka's committed offset lags behind it. A
  // negative value is an error (logged; the committed offset is used). An
  // offset beyond the log end, or before its start, is reset by
  // auto.offset.reset. Empty: every partition starts at its committed offset.
  start_offset_fn start_offset;
  // Asked once per assignment, before start_offset, on the same terms: lets
  // the application learn where the partitions' previous owners stopped.
  std::function<void()> before_assign;
  // Asked with the partitions a rebalance takes away, on the same terms,
  // before they are given up and the offsets stored so far are committed;
  // `lost` when the group already gave them to another member (this one
  // missed its session timeout), which a commit can no longer reach.
  std::function<void(const std::vector<std::pair<std::string, int>>& partitions, bool lost)>
      on_revoke;
};

// The librdkafka properties create() gives the client: the defaults in
// consumer.cpp with options.properties applied on top.
property_map consumer_properties(const consumer_options& options);

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
  // takes only what is already fetched. Serves rebalances (start_offset is
  // asked here), skips partition-EOF events, logs transport errors
  // (rate-limited) and keeps the latest in last_error(). Returns nothing
  // after close(). Messages come off librdkafka's queue in batches
  // (rd_kafka_consume_batch_queue). As with one message at a time, a batch
  // may hold messages dequeued before a rebalance in the same call revoked
  // their partition; storing their offsets then fails.
  //
  // librdkafka 2.0.x's batch API loses or repeats messages if pause, resume,
  // seek or (un)assign run *concurrently* with it (fixed in 2.1.0); this class
  // calls them only on the polling thread, between batches or inside the
  // rebalance callback, which is the sequential use librdkafka supports.
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
  // How many times partitions were taken away from this member: when it
  // changed across a poll_batch(), messages of the partitions taken away
  // may be in its result.
  long long revocations() const { return revocations_; }

  // How far this member is behind each assigned partition: the log end
  // offset librdkafka last saw in a fetch reply (cached, no request) less
  // the offset of the next message poll_batch() returns. `messages` is
  // unset until both are known (nothing fetched yet).
  struct partition_lag {
    std::string topic;
    int partition = 0;
    std::optional<long long> messages;
  };
  std::vector<partition_lag> lag() const;

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
  // Waits for the group at most the session timeout; past it, last_error()
  // says so and the client is left to the process's exit. Idempotent.
  void close();

 private:
  consumer() = default;

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void assign(const rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  partition_list_ptr with_start_offsets(const rd_kafka_topic_partition_list_t* partitions);
  // One rd_kafka_consume_batch_queue() call of up to `max` entries, waiting
  // up to wait_ms; appends the messages to `out`. Returns how many entries
  // (messages and events) it took, or -1 on error.
  long take(std::size_t max, int wait_ms, std::vector<message>& out);
  // Closes, serving the queue until closed; false if the deadline passed
  // first.
  bool finish_close(std::chrono::steady_clock::time_point deadline);
  // Serves the queue, waiting up to wait_ms for the first entry, and drops the
  // messages.
  void serve_unhandled(int wait_ms);
  void record_error(const std::string& what);
  status set_paused(bool paused);

  static constexpr std::size_t batch_size_while_closing = 64;
  bool closed_ = false;
  std::chrono::milliseconds close_timeout_{10000};  // session.timeout.ms
  bool paused_ = false;
  std::optional<error> last_error_;
  error_throttle error_log_;
  std::string name_;  // client.id, for log lines
  start_offset_fn start_offset_;
  std::function<void()> before_assign_;
  std::function<void(const std::vector<std::pair<std::string, int>>&, bool)> on_revoke_;
  long long revocations_ = 0;
  std::vector<rd_kafka_message_t*> batch_;  // poll_batch()'s buffer, reused
  // Destroyed first (reverse order), while the callbacks' state still
  // exists; the queue, a reference into the client, before the client.
  client_ptr client_;
  queue_ptr queue_;  // the consumer queue: messages, rebalances, errors
};

}  // namespace llmopt::kafka
