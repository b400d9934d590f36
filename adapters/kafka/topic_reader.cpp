#include "adapters/kafka/topic_reader.hpp"

#include <algorithm>
#include <map>

namespace llmopt::kafka {
namespace {

// A consumer only for assign(): a group id librdkafka requires, never
// joined or committed.
result<client_ptr> assign_only_client(const std::string& brokers, const property_map& properties) {
  auto props = merge_properties({{"bootstrap.servers", brokers},
                                 {"group.id", "llmopt-topic-reader"},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "false"}},
                                properties);
  auto conf = make_conf(props);
  if (!conf) return conf.err();
  return make_client(RD_KAFKA_CONSUMER, std::move(*conf));
}

// The ids of `topic`'s partitions, from the brokers' metadata.
result<std::vector<int>> partition_ids(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  auto err = rd_kafka_metadata(rk, 0, handle, &metadata, timeout_ms);
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
  return partitions;
}

topic_record copy_of(message_ptr m) {
  const message read(std::move(m));
  topic_record r;
  r.partition = read.partition();
  r.offset = read.offset();
  if (auto key = read.key()) r.key = std::string(*key);
  if (!read.has_null_value()) r.value = std::string(read.value());
  r.headers = read.headers();
  return r;
}

}  // namespace

result<topic_contents> read_topic(const std::string& brokers, const property_map& properties,
                                  const std::string& topic, std::size_t max_messages,
                                  std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&until] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<long long>(0, left.count()));
  };
  auto client = assign_only_client(brokers, properties);
  if (!client) return client.err();
  rd_kafka_t* rk = client->get();

  auto partitions = partition_ids(rk, topic, left_ms());
  if (!partitions) return partitions.err();

  // Each partition's end now: what the read goes up to.
  std::map<int, long long> end;
  partition_list_ptr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  for (int p : *partitions) {
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
    out.records.push_back(copy_of(std::move(m)));
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

result<std::unique_ptr<topic_follower>> topic_follower::create(const std::string& brokers,
                                                               const property_map& properties,
                                                               const std::string& topic,
                                                               std::chrono::milliseconds timeout) {
  auto client = assign_only_client(brokers, properties);
  if (!client) return client.err();
  auto partitions = partition_ids(client->get(), topic, static_cast<int>(timeout.count()));
  if (!partitions) return partitions.err();
  if (partitions->empty()) return kafka_error("topic " + topic + " has no partitions");
  partition_list_ptr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  std::unique_ptr<topic_follower> f(new topic_follower);
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (int p : *partitions) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    int64_t low = 0, high = 0;
    if (auto e = rd_kafka_query_watermark_offsets(
            client->get(), topic.c_str(), p, &low, &high,
            static_cast<int>(std::max<long long>(0, left.count()))))
      return kafka_error("reading the offsets of " + topic + "/" + std::to_string(p), e);
    if (high > low) f->ends_[p] = high;
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (auto e = rd_kafka_assign(client->get(), assignment.get()))
    return kafka_error("assigning " + topic, e);
  f->topic_ = topic;
  f->partitions_ = static_cast<int>(partitions->size());
  f->client_ = std::move(*client);
  return f;
}

topic_follower::~topic_follower() {
  if (client_) rd_kafka_consumer_close(client_.get());
}

std::vector<topic_record> topic_follower::poll(std::size_t max, std::chrono::milliseconds timeout) {
  std::vector<topic_record> out;
  int wait = static_cast<int>(timeout.count());
  while (out.size() < max) {
    message_ptr m(rd_kafka_consumer_poll(client_.get(), wait));
    if (!m) break;
    wait = 0;
    if (m->err) continue;  // transport errors: librdkafka retries
    next_[m->partition] = m->offset + 1;
    if (auto end = ends_.find(m->partition); end != ends_.end() && m->offset + 1 >= end->second)
      ends_.erase(end);
    out.push_back(copy_of(std::move(m)));
  }
  return out;
}

status topic_follower::expect_ends(const std::set<int>& partitions,
                                   std::chrono::milliseconds timeout) {
  for (int p : partitions) {
    int64_t low = 0, high = 0;
    if (auto e = rd_kafka_query_watermark_offsets(client_.get(), topic_.c_str(), p, &low, &high,
                                                  static_cast<int>(timeout.count())))
      return kafka_error("reading the offsets of " + topic_ + "/" + std::to_string(p), e);
    auto next = next_.find(p);
    const long long at = next == next_.end() ? low : std::max<long long>(low, next->second);
    if (high > at) ends_[p] = std::max(ends_[p], static_cast<long long>(high));
  }
  return ok_status();
}

}  // namespace llmopt::kafka
