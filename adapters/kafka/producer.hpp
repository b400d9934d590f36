#pragma once

// A Kafka producer: asynchronous sends with delivery accounting.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/kafka/client_config.hpp"
#include "adapters/kafka/error_throttle.hpp"
#include "adapters/kafka/handles.hpp"
#include "adapters/kafka/message.hpp"
#include "decision/result.hpp"

namespace llmopt::kafka {

struct producer_options {
  std::string brokers;  // bootstrap.servers, "host:port[,...]"
  std::string client_id;
  // Extra librdkafka properties; they override the defaults in producer.cpp.
  property_map properties;
};

// The librdkafka properties create() gives the client: the defaults in
// producer.cpp with options.properties applied on top.
property_map producer_properties(const producer_options& options);

// Concurrency: every member may be called from any thread (librdkafka's
// producer is thread-safe). Delivery reports and error events are served on
// the thread that calls poll() or flush(); call one of them regularly.
//
// Delivery: produce() only enqueues. A message is durable once flush()
// returned ok and delivery_failures() did not grow meanwhile; librdkafka
// retries a message for message.timeout.ms (default 5 min) before failing
// it, so a broker restart is ridden out.
//
// Lifecycle: the destructor waits up to 2 s for outstanding messages and
// drops (and logs) what is still queued after that.
class producer {
 public:
  // Fails on missing brokers or an invalid property.
  static result<std::unique_ptr<producer>> create(producer_options options);

  ~producer();
  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  // Enqueues a copy of key, value and headers. nullopt key = null key
  // (distinct from an empty key); nullopt value = null value (a tombstone on
  // a compacted topic). Fails, without blocking, when the local queue is full
  // (queue.buffering.max.messages / .kbytes, by default 100k messages or
  // 64 MB: poll() or flush() and retry) or the topic name is invalid.
  // `partition`: the one to write to; nullopt lets the partitioner choose
  // by key.
  status produce(const std::string& topic, std::optional<std::string_view> key,
                 std::optional<std::string_view> value, const header_list& headers = {},
                 std::optional<int> partition = std::nullopt);

  // Serves delivery reports and error events without waiting.
  void poll();

  // Waits up to `timeout` until every enqueued message is delivered or has
  // failed. Fails with the count still outstanding on timeout.
  status flush(std::chrono::milliseconds timeout);

  // Messages the brokers never acknowledged (failed delivery reports).
  long long delivery_failures() const { return failures_.load(); }

  // Messages enqueued and not yet reported (delivered or failed). Counted
  // here: librdkafka's queue length also counts pending error events.
  long long outstanding() const { return unreported_.load(); }

 private:
  producer() = default;

  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void log_throttled(const std::string& what);

  std::string name_;  // client.id, for log lines
  std::atomic<long long> failures_{0};
  std::atomic<long long> unreported_{0};
  std::mutex log_mutex_;  // guards error_log_: callbacks may run on several threads
  error_throttle error_log_;
  client_ptr client_;  // last: destroyed first, while the callbacks' state still exists
};

}  // namespace llmopt::kafka
