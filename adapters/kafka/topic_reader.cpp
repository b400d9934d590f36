#include "adapters/kafka/topic_reader.hpp"

#include <algorithm>
#include <map>

namespace llmopt::kafka {

result<topic_contents> read_topic(const std::string& brokers, const property_map& properties,
                                  const std::string& topic, std::size_t max_messages,
                                  std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&until] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
  };
  // A consumer only for assign(): a group id librdkafka requires, never
  // joined or committed.
  auto props = merge_properties({{"bootstrap.servers", brokers},
                                 {"group.id", "llmopt-topic-reader"},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "false"}},
                                properties);
  auto conf = make_conf(props);
  if (!conf) return conf.err();
  auto client = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!client) return client.err();
  rd_kafka_t* rk = client->get();

  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  auto err = rd_kafka_metadata(rk, 0, handle, &metadata, left_ms());
  rd_kafka_topic_destroy(handle);
  if (err) return kafka_error("reading the metadata of " + topic, err);
  std::vector<int> partitions;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const auto& mt = metadata->topics[t];
    if (mt.err) {
      const auto e = mt.err;
      rd_kafka_metadata_destroy(metadata);
      return kafka_error("topic " + topic, e);
    }
    for (int p = 0; p < mt.partition_cnt; ++p)
      partitions.push_back(mt.partitions[p].id);
  }
  rd_kafka_metadata_destroy(metadata);

  // Each partition's end now: what the read goes up to.
  std::map<int, long long> end;
  partition_list_ptr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int p : partitions) {
    int64_t low = 0, high = 0;
    if (auto e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, left_ms()))
      return kafka_error("reading the offsets of " + topic + "/" + std::to_string(p), e);
    if (high <= low) continue;  // empty
    end[p] = high;
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = low;
  }
  topic_contents out;
  if (end.empty()) return out;
  if (auto e = rd_kafka_assign(rk, assignment.get())) return kafka_error("assigning " + topic, e);
  while (!end.empty() && out.records.size() < max_messages) {
    const int wait = std::min(left_ms(), 200);
    if (wait == 0) {
      out.complete = false;
      break;
    }
    message_ptr m(rd_kafka_consumer_poll(rk, wait));
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) end.erase(m->partition);
      continue;  // transport errors: librdkafka retries until the deadline
    }
    const int p = m->partition;
    const long long next = m->offset + 1;
    auto it = end.find(p);
    if (it == end.end()) continue;  // past its end already
    const message read(std::move(m));
    topic_record r;
    r.partition = read.partition();
    r.offset = read.offset();
    if (auto key = read.key()) r.key = std::string(*key);
    if (!read.has_null_value()) r.value = std::string(read.value());
    r.headers = read.headers();
    out.records.push_back(std::move(r));
    if (next >= it->second) end.erase(it);
  }
  if (!end.empty()) out.complete = false;
  rd_kafka_consumer_close(rk);
  std::sort(out.records.begin(), out.records.end(),
            [](const topic_record& a, const topic_record& b) {
              return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
            });
  return out;
}

}  // namespace llmopt::kafka
