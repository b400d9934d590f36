#include "adapters/kafka/embedded_broker.hpp"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must follow rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

#include "adapters/kafka/client_config.hpp"

namespace llmopt::kafka {

void embedded_broker::cluster_deleter::operator()(rd_kafka_mock_cluster_s* cluster) const {
  rd_kafka_mock_cluster_destroy(cluster);
}

result<std::unique_ptr<embedded_broker>> embedded_broker::start(int broker_count) {
  if (broker_count < 1) return kafka_error("broker_count must be at least 1");
  // The handle only hosts the cluster; it has no bootstrap.servers of its own
  // and would warn about that, so only its errors are logged.
  auto conf = make_conf({{"client.id", "llmopt-embedded-broker"}, {"log_level", "3"}});
  if (!conf) return conf.err();
  auto client = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!client) return client.err();

  std::unique_ptr<embedded_broker> broker(new embedded_broker());
  broker->client_ = std::move(*client);
  broker->cluster_.reset(rd_kafka_mock_cluster_new(broker->client_.get(), broker_count));
  if (!broker->cluster_) return kafka_error("could not start the mock cluster");
  broker->bootstrap_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_.get());
  broker->broker_count_ = broker_count;
  return broker;
}

embedded_broker::~embedded_broker() = default;

status embedded_broker::create_topic(const std::string& name, int partitions) {
  if (name.empty()) return kafka_error("topic name is empty");
  if (partitions < 1) return kafka_error("topic " + name + ": partitions must be at least 1");
  int replication = std::min(broker_count_, 3);
  auto err = rd_kafka_mock_topic_create(cluster_.get(), name.c_str(), partitions, replication);
  if (err) return kafka_error("creating topic " + name, err);
  return ok_status();
}

status embedded_broker::check_broker_id(int broker_id) const {
  if (broker_id < 1 || broker_id > broker_count_) {
    return kafka_error("broker id " + std::to_string(broker_id) + " is not in 1.." +
                       std::to_string(broker_count_));
  }
  return ok_status();
}

status embedded_broker::set_broker_down(int broker_id) {
  if (auto s = check_broker_id(broker_id); !s) return s;
  auto err = rd_kafka_mock_broker_set_down(cluster_.get(), broker_id);
  if (err) return kafka_error("setting broker " + std::to_string(broker_id) + " down", err);
  return ok_status();
}

status embedded_broker::set_broker_up(int broker_id) {
  if (auto s = check_broker_id(broker_id); !s) return s;
  auto err = rd_kafka_mock_broker_set_up(cluster_.get(), broker_id);
  if (err) return kafka_error("setting broker " + std::to_string(broker_id) + " up", err);
  return ok_status();
}

status embedded_broker::delay_next_reply(int broker_id, int api_key,
                                         std::chrono::milliseconds delay) {
  if (auto s = check_broker_id(broker_id); !s) return s;
  auto err = rd_kafka_mock_broker_push_request_error_rtts(
      cluster_.get(), broker_id, static_cast<int16_t>(api_key), 1, RD_KAFKA_RESP_ERR_NO_ERROR,
      static_cast<int>(delay.count()));
  if (err) return kafka_error("delaying a reply of broker " + std::to_string(broker_id), err);
  return ok_status();
}

status embedded_broker::set_all_brokers_down() {
  return set_all(&embedded_broker::set_broker_down);
}

status embedded_broker::set_all_brokers_up() {
  return set_all(&embedded_broker::set_broker_up);
}

status embedded_broker::set_all(status (embedded_broker::*set)(int)) {
  std::string failed;
  for (int id = 1; id <= broker_count_; ++id) {
    if (auto s = (this->*set)(id); !s) failed += (failed.empty() ? "" : "; ") + s.err().detail;
  }
  if (!failed.empty()) return kafka_error(failed);
  return ok_status();
}

}  // namespace llmopt::kafka
