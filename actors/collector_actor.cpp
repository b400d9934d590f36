#include "actors/collector_actor.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "adapters/kafka/dead_letter.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<collector_state>*;

void schedule_poll(self_ptr self) {
  if (self->state.poll_scheduled) return;
  self->state.poll_scheduled = true;
  self->send(self, poll_atom::value);
}

// The next offset to consume of every partition in `messages`.
std::vector<kafka::topic_partition_offset> next_offsets(
    const std::vector<kafka::message>& messages) {
  std::map<std::pair<std::string, int>, long long> next;
  for (const auto& m : messages) {
    auto& n = next[{std::string{m.topic()}, m.partition()}];
    n = std::max(n, m.offset() + 1);
  }
  std::vector<kafka::topic_partition_offset> out;
  for (const auto& [tp, offset] : next)
    out.push_back({tp.first, tp.second, offset});
  return out;
}

void report_consuming(self_ptr self, const collector_config& config) {
  bool consuming = self->state.consumer->assigned();
  if (consuming == self->state.consuming) return;
  self->state.consuming = consuming;
  spdlog::info("collector: {}",
               consuming ? "partitions assigned, consuming" : "no partitions assigned");
  self->send(config.router, consuming_atom::value, consuming);
}

void store_offsets(self_ptr self, const std::vector<kafka::topic_partition_offset>& offsets) {
  if (auto st = self->state.consumer->store_offsets(offsets); !st)
    spdlog::warn("collector: cannot store offsets: {}", st.err().detail);
}

void poll_once(self_ptr self, const collector_config& config) {
  auto& st = self->state;
  auto messages = st.consumer->poll_batch(config.batch_max, config.poll_timeout);
  report_consuming(self, config);
  if (messages.empty()) return;

  signal_batch batch;
  batch.signals.reserve(messages.size());
  std::size_t dead = 0;
  const long long failures_before = st.producer->delivery_failures();
  for (const auto& m : messages) {
    auto topic = config.topics.find(std::string{m.topic()});
    result<typed_signal> parsed =
        topic == config.topics.end()
            ? result<typed_signal>{error{"unknown_kind", "topic: not a signal topic"}}
            : st.parser->parse(topic->second, m.value());
    if (parsed) {
      batch.signals.push_back(std::move(*parsed));
      continue;
    }
    ++dead;
    spdlog::warn("collector: dead letter from {}/{}@{}: {} ({})", m.topic(), m.partition(),
                 m.offset(), parsed.err().code, parsed.err().detail);
    if (auto sent = kafka::send_dead_letter(*st.producer, config.dlq_topic, m, parsed.err()); !sent)
      spdlog::error("collector: cannot dead-letter {}/{}@{}: {}", m.topic(), m.partition(),
                    m.offset(), sent.err().detail);
  }
  auto offsets = next_offsets(messages);
  if (dead > 0) {
    // The dead letters must be on the broker before their offsets commit;
    // if they are not, store nothing of this poll. (A later poll's offsets
    // still move past it: making a failed dead letter block consumption is
    // part of the production-grade pipeline, issue 3.)
    auto flushed = st.producer->flush(std::chrono::seconds(10));
    if (!flushed || st.producer->delivery_failures() != failures_before) {
      spdlog::error("collector: dead letters not delivered ({}); offsets of this poll not stored",
                    flushed ? "delivery failed" : flushed.err().detail);
      offsets.clear();
    }
    st.dead_lettered += static_cast<long long>(dead);
  }
  if (batch.signals.empty()) {
    store_offsets(self, offsets);
    return;
  }
  ++st.in_flight;
  self->request(config.aggregator, caf::infinite, std::move(batch))
      .then(
          [=](std::uint64_t) {
            store_offsets(self, offsets);
            --self->state.in_flight;
            schedule_poll(self);
          },
          [=](const caf::error& err) {
            // Not applied: leave the offsets unstored so the batch is replayed.
            spdlog::error("collector: aggregator failed a batch: {}", caf::to_string(err));
            --self->state.in_flight;
            schedule_poll(self);
          });
}

}  // namespace

caf::behavior collector_actor(caf::stateful_actor<collector_state>* self, collector_config config) {
  self->state.consumer = std::move(config.consumer);
  self->state.producer = std::move(config.producer);
  self->state.parser = std::make_unique<signal_parser>(config.limits);
  schedule_poll(self);
  return {
      [=](poll_atom) {
        self->state.poll_scheduled = false;
        // Backpressure: while enough batches await the aggregator, stop
        // polling; the reply that frees a slot schedules the next poll.
        if (self->state.in_flight >= config.max_batches_in_flight) return;
        poll_once(self, config);
        schedule_poll(self);
      },
  };
}

}  // namespace llmopt
