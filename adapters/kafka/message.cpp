#include "adapters/kafka/message.hpp"

#include "decision/assert.hpp"

namespace llmopt::kafka {

message::message(message_ptr m) : handle_(std::move(m)) {
  LLMOPT_ASSERT(handle_ && handle_->err == RD_KAFKA_RESP_ERR_NO_ERROR);
}

std::string_view message::topic() const {
  return rd_kafka_topic_name(handle_->rkt);
}

std::optional<std::string_view> message::key() const {
  if (handle_->key == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(handle_->key), handle_->key_len);
}

std::string_view message::value() const {
  if (handle_->payload == nullptr) return {};
  return std::string_view(static_cast<const char*>(handle_->payload), handle_->len);
}

header_list message::headers() const {
  header_list out;
  rd_kafka_headers_t* hdrs = nullptr;  // owned by the message
  if (rd_kafka_message_headers(handle_.get(), &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == 0; ++i) {
    out.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : "");
  }
  return out;
}

}  // namespace llmopt::kafka
