#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/kafka/client_config.hpp"
#include "adapters/kafka/handles.hpp"
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

// Follows a whole topic outside any consumer group: every partition from its
// first retained offset on, then whatever is appended, for as long as it
// lives. Nothing is committed, so each life reads the topic again; on a
// compacted topic that is the newest record of each key and what
// compaction has not reached yet. Partitions added after create() are not
// followed.
//
// Threads: one (every member, the destructor included).
class topic_follower {
 public:
  // Fails when the topic's partitions cannot be read within `timeout`
  // (brokers down, no such topic).
  static result<std::unique_ptr<topic_follower>> create(const std::string& brokers,
                                                        const property_map& properties,
                                                        const std::string& topic,
                                                        std::chrono::milliseconds timeout);
  ~topic_follower();
  topic_follower(const topic_follower&) = delete;
  topic_follower& operator=(const topic_follower&) = delete;

  // Up to `max` records in the order of each partition; waits at most
  // `timeout` for the first, then takes only what is already fetched.
  std::vector<topic_record> poll(std::size_t max, std::chrono::milliseconds timeout);

  int partitions() const { return partitions_; }
  const std::string& topic() const { return topic_; }
  // Every record the topic held at create(), and those `partitions` held at
  // the last expect_ends(), has been returned by poll().
  bool caught_up() const { return ends_.empty(); }
  // Reads where `partitions` end now, so that caught_up() waits for poll()
  // to get there.
  status expect_ends(const std::set<int>& partitions, std::chrono::milliseconds timeout);

 private:
  topic_follower() = default;

  std::string topic_;
  int partitions_ = 0;
  std::map<int, long long> ends_;  // partition -> an end it is to reach, until reached
  std::map<int, long long> next_;  // partition -> the offset poll() returns next
  client_ptr client_;
};

}  // namespace llmopt::kafka
