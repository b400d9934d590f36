#pragma once

// Helpers for the adapters/kafka tests: plain copies of consumed messages,
// bounded polling loops and kcat invocations.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "adapters/kafka/consumer.hpp"
#include "adapters/kafka/embedded_broker.hpp"
#include "adapters/kafka/message.hpp"
#include "tests/support/process.hpp"

namespace llmopt::kafka::test {

using namespace std::chrono_literals;

// A consumed message copied out of its rd_kafka_message_t, so tests can keep
// it after the consumer is gone.
struct received {
  std::string topic;
  int partition = 0;
  long long offset = 0;
  std::optional<std::string> key;
  std::string value;
  bool null_value = false;
  header_list headers;
};

received copy_of(const message& m);

// One embedded broker for the whole test process, started on first use.
// Stopping a mock cluster takes up to a second, so tests that do not change
// the broker's state share this one, each with its own topics and groups.
embedded_broker& shared_broker();

// Consumer options for `group` on `brokers`, subscribed to `topics`.
consumer_options group_options(const std::string& brokers, const std::string& group,
                               std::vector<std::string> topics);

// Polls until `count` messages arrived or `timeout` passed; returns them all.
// When `positions` is given, the next position of each is appended to it.
std::vector<received> consume(consumer& c, std::size_t count, std::chrono::milliseconds timeout,
                              std::vector<topic_partition_offset>* positions = nullptr);

// Polls (taking no messages) until the consumer has an assignment; returns
// how long that took, or nullopt on timeout. REQUIRES: nothing to consume
// yet, or the consumer paused.
std::optional<std::chrono::milliseconds> await_assignment(consumer& c,
                                                          std::chrono::milliseconds timeout);

// Commits `offsets` for `group` from outside it, as an admin tool would. The
// mock cluster accepts this only while nobody has joined the group yet.
status commit_offsets(const std::string& brokers, const std::string& group,
                      const std::vector<topic_partition_offset>& offsets);

// Runs kcat with `args` after "-b brokers", feeding `input`.
llmopt::test::run_result kcat(const std::string& brokers, std::vector<std::string> args,
                              const std::string& input = {});

}  // namespace llmopt::kafka::test
