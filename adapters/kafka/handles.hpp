#pragma once

// Owning pointers for every librdkafka C handle used in adapters/kafka.
// Nothing outside these aliases destroys an rd_kafka_* object by hand.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "decision/result.hpp"

namespace llmopt::kafka {

namespace detail {

struct client_deleter {  // rd_kafka_destroy blocks until librdkafka's threads have ended
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct conf_deleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct message_deleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct headers_deleter {
  void operator()(rd_kafka_headers_t* h) const { rd_kafka_headers_destroy(h); }
};
struct error_deleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};

}  // namespace detail

using client_ptr = std::unique_ptr<rd_kafka_t, detail::client_deleter>;
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, detail::conf_deleter>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, detail::message_deleter>;
using partition_list_ptr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, detail::partition_list_deleter>;
using headers_ptr = std::unique_ptr<rd_kafka_headers_t, detail::headers_deleter>;
using error_ptr = std::unique_ptr<rd_kafka_error_t, detail::error_deleter>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, detail::queue_deleter>;

// Every expected failure of this folder carries the code "kafka".
inline error kafka_error(std::string detail) {
  return error{"kafka", std::move(detail)};
}

// "what: librdkafka's description of err"
inline error kafka_error(const std::string& what, rd_kafka_resp_err_t err) {
  return kafka_error(what + ": " + rd_kafka_err2str(err));
}

}  // namespace llmopt::kafka
