#include "actors/partition_handoff.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace llmopt {
namespace {

constexpr std::size_t record_bytes = 8 << 20;
constexpr std::size_t records_per_poll = 1000;

}  // namespace

partition_handoff::partition_handoff(options o, std::shared_ptr<partition_positions> own)
    : options_(std::move(o)), own_(std::move(own)) {}

void partition_handoff::connect(caf::actor_system& system, caf::actor aggregator,
                                kafka::consumer& consumer) {
  system_ = &system;
  aggregator_ = std::move(aggregator);
  consumer_ = &consumer;
}

std::optional<long long> partition_handoff::start_offset(const std::string& topic,
                                                         int partition) const {
  std::optional<long long> start = group_.at(topic, partition);
  if (auto it = own_->find({topic, partition}); it != own_->end())
    start = std::max(start.value_or(it->second), it->second);
  return start;
}

void partition_handoff::read(const std::vector<kafka::topic_record>& records) {
  for (const auto& r : records) {
    if (!r.key) continue;  // every record is keyed by its store
    if (!r.value) {
      group_.forget(*r.key);  // a tombstone: compaction drops the store's records
      continue;
    }
    auto record = read_checkpoint_message(*r.value, record_bytes);
    if (record && record->store != *r.key)
      record = error{"invalid_checkpoint_record", "store is not the record's key"};
    if (!record) {
      spdlog::warn("{} partition {} offset {}: not a checkpoint record, skipped: {}",
                   options_.topic, r.partition, r.offset, record.err().detail);
      continue;
    }
    if (record->group == options_.group) group_.add(std::move(*record));
  }
}

void partition_handoff::follow() {
  read(options_.records->poll(records_per_poll, std::chrono::milliseconds(0)));
}

status partition_handoff::catch_up() {
  // Every record goes to partition 0 (publish), so only its end is asked
  // for: one request where the rebalance waits, whatever the partitions.
  auto& records = *options_.records;
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  if (auto ends = records.expect_ends({0}, options_.wait); !ends)
    return error{ends.err().code,
                 options_.topic + ": where it ends is unknown: " + ends.err().detail};
  while (!records.caught_up() && std::chrono::steady_clock::now() < deadline)
    read(records.poll(records_per_poll, std::chrono::milliseconds(100)));
  if (!records.caught_up())
    return error{"kafka", options_.topic + ": not read to its end within " +
                              std::to_string(options_.wait.count()) + " ms"};
  return ok_status();
}

void partition_handoff::assigning() {
  if (auto read = catch_up(); !read)
    spdlog::error(
        "collector: {}; the partitions assigned start where the records read so far "
        "say",
        read.err().detail);
}

void partition_handoff::revoked(const std::vector<std::pair<std::string, int>>& partitions,
                                bool lost) {
  if (retired_ || !system_ || partitions.empty()) return;
  if (lost) {
    // Another member may be reading them already: a record now would claim
    // what it counts. What was applied of them since the last record may be
    // counted again there.
    spdlog::warn(
        "collector: {} partition(s) lost (this instance missed its session timeout); "
        "what it applied of them since checkpoint {} may be counted again by their new "
        "owner",
        partitions.size(), published_);
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  caf::scoped_actor self{*system_};
  self->request(aggregator_, options_.wait, handoff_atom::value)
      .receive(
          [&](saved_checkpoint& saved) {
            if (publish(saved)) {
              self->send(aggregator_, published_atom::value, saved.id);
              // The commit on revoke then has them too, for anything that
              // reads the group's committed offsets (as a periodic
              // checkpoint's are stored once published).
              if (auto stored = consumer_->store_offsets(saved.positions); !stored)
                spdlog::debug("collector: {}", stored.err().detail);
              spdlog::info("collector: {} partition(s) handed over at checkpoint {} in {} ms",
                           partitions.size(), saved.id,
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count());
            } else {
              spdlog::error(
                  "collector: the record of handoff checkpoint {} is not on {}; the "
                  "next owner of {} partition(s) may count again what came since "
                  "checkpoint {}",
                  saved.id, options_.topic, partitions.size(), published_);
            }
          },
          [&](caf::error& e) {
            spdlog::error("collector: no checkpoint for the handoff of {} partition(s): {}",
                          partitions.size(), caf::to_string(e));
          });
}

bool partition_handoff::publish(const saved_checkpoint& saved) {
  if (saved.id <= published_) return false;
  checkpoint_record record{options_.group, options_.store, saved.id, {}};
  for (const auto& p : saved.positions)
    record.positions.push_back({p.topic, p.partition, p.offset});
  auto& producer = *options_.producer;
  const long long failures_before = producer.delivery_failures();
  if (auto sent =
          producer.produce(options_.topic, options_.store, checkpoint_message(record), {}, 0);
      !sent) {
    spdlog::warn("checkpoint {} not published on {}: {}", saved.id, options_.topic,
                 sent.err().detail);
    return false;
  }
  auto flushed = producer.flush(options_.wait);
  if (!flushed || producer.delivery_failures() != failures_before) {
    spdlog::warn("checkpoint {} not acknowledged on {}", saved.id, options_.topic);
    return false;
  }
  published_ = saved.id;
  group_.add(std::move(record));
  return true;
}

}  // namespace llmopt
