#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kafka/client_config.hpp"
#include "adapters/kafka/message.hpp"
#include "decision/result.hpp"

namespace llmopt::kafka {

// Reads a whole topic as it stands: every partition from its first retained
// offset up to its end when the read starts, outside any consumer group
// (nothing is committed, no member's partitions move). For operators'
// commands (`llmopt dlq`), not for the pipeline.
//
// Threads: one. The records are copies: a librdkafka message holds its
// client, which cannot be destroyed while one is alive.
// Bounds: at most `max_messages` (the first ones, by partition); at most
// `timeout` in all, after which what was read is returned with `complete`
// false.
struct topic_record {
  int partition = 0;
  long long offset = 0;
  std::optional<std::string> key;    // nullopt: a null key
  std::optional<std::string> value;  // nullopt: a null value
  header_list headers;
};
struct topic_contents {
  std::vector<topic_record> records;  // by partition, then offset
  bool complete = true;           // every partition read to its end
};
result<topic_contents> read_topic(const std::string& brokers, const property_map& properties,
                                  const std::string& topic, std::size_t max_messages,
                                  std::chrono::milliseconds timeout);

}  // namespace llmopt::kafka
