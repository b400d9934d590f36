#pragma once

// An in-process Kafka cluster: librdkafka's mock cluster behind a small
// interface, for quick starts, demos and tests.
//
// It keeps everything in memory and, per partition, only the newest 100k
// messages / 5 MB; it speaks enough of the protocol for producers, consumer
// groups with offset commits, and clients such as kcat. Production points
// kafka.brokers at a real cluster instead.

#include <chrono>
#include <memory>
#include <string>

#include "adapters/kafka/handles.hpp"
#include "decision/result.hpp"

struct rd_kafka_mock_cluster_s;  // librdkafka/rdkafka_mock.h

namespace llmopt::kafka {

// Lifecycle: start() opens listeners on 127.0.0.1 (random ports); the
// destructor closes them, disconnecting every client. Clients should be
// destroyed first to avoid reconnect noise, but need not be.
// Concurrency: every member may be called from any thread; the mock cluster
// runs on its own thread and serves these calls as requests.
class embedded_broker {
 public:
  // REQUIRES: broker_count >= 1. Broker ids are 1..broker_count.
  static result<std::unique_ptr<embedded_broker>> start(int broker_count = 1);

  ~embedded_broker();
  embedded_broker(const embedded_broker&) = delete;
  embedded_broker& operator=(const embedded_broker&) = delete;

  // "127.0.0.1:PORT[,127.0.0.1:PORT...]", usable as bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  int broker_count() const { return broker_count_; }

  // Creates `name` with `partitions` partitions, replicated on up to three
  // brokers. Fails if it exists or the arguments are invalid.
  status create_topic(const std::string& name, int partitions);

  // A down broker drops its connections and refuses new ones; leadership
  // does not move. set_broker_up() accepts connections again.
  status set_broker_down(int broker_id);
  status set_broker_up(int broker_id);
  // The next request of Kafka API `api_key` (13: LeaveGroup, ...) to
  // broker_id is answered normally, `delay` late.
  status delay_next_reply(int broker_id, int api_key, std::chrono::milliseconds delay);

  // set_broker_down() / set_broker_up() on every broker: a whole-cluster
  // outage and its end. Tries every broker; fails naming those that failed.
  status set_all_brokers_down();
  status set_all_brokers_up();

 private:
  struct cluster_deleter {
    void operator()(rd_kafka_mock_cluster_s* cluster) const;
  };

  embedded_broker() = default;
  status check_broker_id(int broker_id) const;
  status set_all(status (embedded_broker::*set)(int));

  // Declaration order matters: the cluster is destroyed before the client
  // handle it does its bookkeeping on.
  client_ptr client_;
  std::unique_ptr<rd_kafka_mock_cluster_s, cluster_deleter> cluster_;
  std::string bootstrap_;
  int broker_count_ = 0;
};

}  // namespace llmopt::kafka
