#pragma once

// A consumed Kafka message.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/kafka/handles.hpp"

namespace llmopt::kafka {

using header_list = std::vector<std::pair<std::string, std::string>>;

// Owns one rd_kafka_message_t; move-only. Views returned by the accessors
// point into the message and live as long as it does.
// Lifecycle: a message must be destroyed before the consumer that returned it
// (librdkafka keeps a reference to its partition). It may move to another
// thread; one message is not used by two threads at once.
class message {
 public:
  // REQUIRES: m is a message (m->err == 0), not an error event.
  explicit message(message_ptr m);

  std::string_view topic() const;
  int partition() const { return handle_->partition; }
  long long offset() const { return handle_->offset; }

  // nullopt for a null key, which is distinct from an empty key.
  std::optional<std::string_view> key() const;
  // The value bytes; empty for a null value (see has_null_value()).
  std::string_view value() const;
  bool has_null_value() const { return handle_->payload == nullptr; }

  // Headers in wire order; duplicates are kept. A null header value reads as "".
  header_list headers() const;

  // The raw handle, for code in this folder that hands it back to librdkafka.
  const rd_kafka_message_t* handle() const { return handle_.get(); }

 private:
  message_ptr handle_;
};

}  // namespace llmopt::kafka
