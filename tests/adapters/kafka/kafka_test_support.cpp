#include "tests/adapters/kafka/kafka_test_support.hpp"

#include <spdlog/spdlog.h>

#include "adapters/kafka/client_config.hpp"
#include "decision/assert.hpp"

namespace llmopt::kafka::test {

received copy_of(const message& m) {
  received r;
  r.topic = std::string(m.topic());
  r.partition = m.partition();
  r.offset = m.offset();
  if (auto k = m.key()) r.key = std::string(*k);
  r.value = std::string(m.value());
  r.null_value = m.has_null_value();
  r.headers = m.headers();
  return r;
}

embedded_broker& shared_broker() {
  static std::unique_ptr<embedded_broker> broker = [] {
    // Construct spdlog's registry first so that it outlives this static:
    // stopping the broker at exit may still log.
    spdlog::default_logger();
    auto b = embedded_broker::start();
    LLMOPT_ASSERT(b.ok());
    return std::move(*b);
  }();
  return *broker;
}

consumer_options group_options(const std::string& brokers, const std::string& group,
                               std::vector<std::string> topics) {
  consumer_options o;
  o.brokers = brokers;
  o.group_id = group;
  o.client_id = group + "-member";
  o.topics = std::move(topics);
  return o;
}

std::vector<received> consume(consumer& c, std::size_t count, std::chrono::milliseconds timeout,
                              std::vector<topic_partition_offset>* positions) {
  std::vector<received> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    for (const auto& m : c.poll_batch(count - out.size(), left)) {
      out.push_back(copy_of(m));
      if (positions) positions->push_back(next_position(m));
    }
  }
  return out;
}

std::optional<std::chrono::milliseconds> await_assignment(consumer& c,
                                                          std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  while (!c.assigned()) {
    auto spent = std::chrono::steady_clock::now() - start;
    if (spent >= timeout) return std::nullopt;
    auto batch = c.poll_batch(1, 20ms);
    LLMOPT_ASSERT(batch.empty());  // see REQUIRES
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

status commit_offsets(const std::string& brokers, const std::string& group,
                      const std::vector<topic_partition_offset>& offsets) {
  auto conf = make_conf({{"bootstrap.servers", brokers},
                         {"group.id", group},
                         {"client.id", group + "-admin"},
                         {"enable.auto.commit", "false"}});
  if (!conf) return conf.err();
  auto client = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!client) return client.err();
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets)
    rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
  if (auto err = rd_kafka_commit(client->get(), list.get(), 0 /* sync */))
    return kafka_error("committing for " + group, err);
  return ok_status();
}

llmopt::test::run_result kcat(const std::string& brokers, std::vector<std::string> args,
                              const std::string& input) {
  std::vector<std::string> argv{"kcat", "-b", brokers};
  argv.insert(argv.end(), args.begin(), args.end());
  return llmopt::test::run(argv, input, 20s);
}

}  // namespace llmopt::kafka::test
