#include "actors/collector_actor.hpp"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/supervision.hpp"
#include "adapters/kafka/dead_letter.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<collector_state>*;

constexpr int dead_letter_attempts = 12;

void schedule_poll(self_ptr self) {
  if (self->state.poll_scheduled) return;
  self->state.poll_scheduled = true;
  self->send(self, poll_atom::value);
}

void report_consuming(self_ptr self, const collector_config& config) {
  bool consuming = self->state.consumer->assigned();
  if (consuming == self->state.consuming) return;
  self->state.consuming = consuming;
  spdlog::info("collector: {}",
               consuming ? "partitions assigned, consuming" : "no partitions assigned");
  self->send(config.router, consuming_atom::value, consuming);
}

// Dead letters must be on the broker before the batch that counts them is
// applied: a crash in between then replays them, never loses them. Retries
// (a broker outage) and reports when the broker keeps refusing them.
void send_dead_letters(self_ptr self, const collector_config& config,
                       const std::vector<std::pair<const kafka::message*, error>>& dead) {
  auto& producer = *self->state.producer;
  for (int attempt = 1; attempt <= dead_letter_attempts; ++attempt) {
    const long long failures_before = producer.delivery_failures();
    bool queued = true;
    for (const auto& [m, reason] : dead) {
      if (auto sent = kafka::send_dead_letter(producer, config.dlq_topic, *m, reason); !sent) {
        spdlog::warn("collector: dead letter not queued: {}", sent.err().detail);
        queued = false;
      }
    }
    auto flushed = producer.flush(std::chrono::seconds(5));
    if (queued && flushed && producer.delivery_failures() == failures_before) return;
    spdlog::warn("collector: dead letters not delivered (attempt {} of {}), retrying", attempt,
                 dead_letter_attempts);
  }
  spdlog::error("collector: {} dead letter(s) could not be delivered; counted, not on {}",
                dead.size(), config.dlq_topic);
}

void apply_watermarks(self_ptr self, const collector_config& config) {
  auto& st = self->state;
  if (!st.paused && st.in_flight >= config.high_watermark) {
    if (auto paused = st.consumer->pause_all(); paused) {
      st.paused = true;
      ++st.pauses;
      spdlog::info("collector: {} messages in flight, partitions paused", st.in_flight);
    }
  } else if (st.paused && st.in_flight < config.low_watermark) {
    if (auto resumed = st.consumer->resume_all(); resumed) {
      st.paused = false;
      spdlog::info("collector: {} messages in flight, partitions resumed", st.in_flight);
    }
  }
}

void maybe_drained(self_ptr self) {
  auto& st = self->state;
  if (st.draining && st.in_flight == 0 && st.drained) {
    st.drained->deliver(true);
    st.drained.reset();
  }
}

// Drops the messages of partitions a rebalance inside the poll that
// fetched them took away: their next owner reads them.
void drop_revoked(const kafka::consumer& consumer, std::vector<kafka::message>& messages) {
  std::set<std::pair<std::string, int>> assigned;
  for (auto& tp : consumer.assignment())
    assigned.insert(std::move(tp));
  const auto before = messages.size();
  messages.erase(
      std::remove_if(messages.begin(), messages.end(),
                     [&](const kafka::message& m) {
                       return assigned.count({std::string(m.topic()), m.partition()}) == 0;
                     }),
      messages.end());
  if (messages.size() != before)
    spdlog::info("collector: {} message(s) of revoked partitions left to their next owner",
                 before - messages.size());
}

void poll_once(self_ptr self, const collector_config& config) {
  auto& st = self->state;
  if (st.handoff) st.handoff->follow();
  const long long revocations = st.consumer->revocations();
  auto messages = st.consumer->poll_batch(config.batch_max, config.poll_timeout);
  if (st.consumer->revocations() != revocations) drop_revoked(*st.consumer, messages);
  report_consuming(self, config);
  if (messages.empty()) return;

  signal_batch batch;
  batch.signals.reserve(messages.size());
  std::vector<std::pair<const kafka::message*, error>> dead;
  // The next offset per partition; consecutive messages mostly share one,
  // so the last entry is checked first. Topic names point into librdkafka's
  // topic handles, which outlive the batch.
  std::map<std::pair<std::string_view, int>, long long> next;
  std::pair<std::string_view, int> last_partition{};
  long long* last_next = nullptr;
  for (const auto& m : messages) {
    const std::pair<std::string_view, int> partition{m.topic(), m.partition()};
    if (!last_next || partition != last_partition) {
      last_partition = partition;
      last_next = &next[partition];
    }
    *last_next = std::max(*last_next, m.offset() + 1);
    auto topic = config.topics.find(m.topic());
    if (topic == config.topics.end()) continue;  // not subscribed: cannot happen
    const auto source = source_of(topic->second);
    ++batch.received[static_cast<std::size_t>(source)];
    auto parsed = st.parser->parse(topic->second, m.value());
    if (parsed) {
      batch.signals.push_back({source, std::move(*parsed)});
      continue;
    }
    ++batch.dead_lettered[static_cast<std::size_t>(source)];
    spdlog::debug("collector: dead letter from {}/{}@{}: {} ({})", m.topic(), m.partition(),
                  m.offset(), parsed.err().code, parsed.err().detail);
    dead.emplace_back(&m, parsed.err());
  }
  if (!dead.empty()) {
    send_dead_letters(self, config, dead);
    for (const auto& d : dead)
      ++st.dead_letters_by_reason[d.second.code];
  }
  for (const auto& [tp, offset] : next) {
    batch.positions.push_back({std::string{tp.first}, tp.second, offset});
    // A partition reassigned to this collector resumes here.
    (*st.positions)[{std::string{tp.first}, tp.second}] = offset;
  }

  const auto n = static_cast<long long>(messages.size());
  st.in_flight += n;
  self->request(config.aggregator, caf::infinite, std::move(batch))
      .then(
          [=](long long) {
            self->state.in_flight -= n;
            apply_watermarks(self, config);
            maybe_drained(self);
            schedule_poll(self);
          },
          [=](const caf::error& err) {
            spdlog::error("collector: aggregator failed a batch: {}", caf::to_string(err));
            self->state.in_flight -= n;
            maybe_drained(self);
            schedule_poll(self);
          });
  apply_watermarks(self, config);
}

}  // namespace

caf::behavior collector_actor(caf::stateful_actor<collector_state>* self, collector_config config) {
  log_surprises(self, "collector");
  auto& st = self->state;
  st.consumer = std::move(config.consumer);
  st.producer = std::move(config.producer);
  st.positions = std::move(config.positions);
  st.handoff = std::move(config.handoff);
  st.parser = std::make_unique<signal_parser>(config.limits);
  schedule_poll(self);
  return {
      [=](poll_atom) {
        self->state.poll_scheduled = false;
        if (self->state.draining) return;
        poll_once(self, config);
        schedule_poll(self);
      },
      [=](const saved_checkpoint& saved) {
        // Committed only once the group knows the checkpoint: a committed
        // offset never runs ahead of every record.
        if (self->state.handoff && !self->state.handoff->publish(saved)) return false;
        if (auto stored = self->state.consumer->store_offsets(saved.positions); !stored)
          spdlog::debug("collector: {}", stored.err().detail);
        return true;
      },
      [=](drain_atom) -> caf::result<bool> {
        self->state.draining = true;
        if (self->state.handoff) self->state.handoff->retire();
        if (self->state.in_flight == 0) return true;
        self->state.drained = self->make_response_promise();
        return *self->state.drained;
      },
      [=](const pipeline_query& q) {
        const auto& st = self->state;
        auto lag = nlohmann::json::array();
        for (const auto& l : st.consumer->lag())
          lag.push_back({{"topic", l.topic},
                         {"partition", l.partition},
                         {"messages", l.messages ? nlohmann::json(*l.messages) : nullptr}});
        q.done({{"in_flight", st.in_flight},
                {"paused", st.paused},
                {"pauses", st.pauses},
                {"partitions", st.consumer->assignment().size()},
                {"lag", std::move(lag)},
                {"dead_letters_by_reason", st.dead_letters_by_reason},
                {"high_watermark", config.high_watermark},
                {"low_watermark", config.low_watermark}});
      },
  };
}

}  // namespace llmopt
