#include "adapters/kafka/consumer.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace llmopt::kafka {
namespace {

using clock = std::chrono::steady_clock;

// Defaults; consumer_options::properties override them.
property_map default_properties(const consumer_options& o) {
  return {
      {"bootstrap.servers", o.brokers},
      {"group.id", o.group_id},
      {"client.id", o.client_id.empty() ? "llmopt" : o.client_id},
      // At-least-once: the application stores an offset only once its message
      // is handled (store_offsets); the background commit then writes the
      // stored offsets every second, so a crash re-delivers at most about a
      // second of handled work, which deduplication absorbs.
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", "1000"},
      {"enable.auto.offset.store", "false"},
      // A new group starts with the signals already waiting, not only new ones.
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "false"},
      // Real brokers refuse session timeouts below group.min.session.timeout.ms
      // (6 s by default). 10 s moves a crashed instance's partitions soon;
      // heartbeats every second notice rebalances quickly.
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "1000"},
      // Incremental rebalancing: when an instance joins or leaves, only the
      // partitions that move are revoked; the others keep flowing. It spreads
      // partitions of many single-partition topics evenly (range would give
      // every topic's partition 0 to the same member).
      {"partition.assignment.strategy", "cooperative-sticky"},
      // The broker answers a fetch as soon as there is data, or after 100 ms,
      // so a new signal arrives within ~100 ms.
      {"fetch.wait.max.ms", "100"},
      // Notice topics created after start within 30 s instead of 5 min.
      {"topic.metadata.refresh.interval.ms", "30000"},
  };
}

std::string describe(const rd_kafka_topic_partition_list_t* list) {
  std::string out;
  for (int i = 0; i < list->cnt; ++i) {
    if (i) out += ", ";
    out += std::string(list->elems[i].topic) + "[" + std::to_string(list->elems[i].partition) + "]";
  }
  return out.empty() ? "none" : out;
}

}  // namespace

topic_partition_offset next_position(const message& m) {
  return {std::string(m.topic()), m.partition(), m.offset() + 1};
}

result<std::unique_ptr<consumer>> consumer::create(consumer_options options) {
  if (options.brokers.empty()) return kafka_error("consumer: no brokers given");
  if (options.group_id.empty()) return kafka_error("consumer: no group id given");
  if (options.topics.empty()) return kafka_error("consumer: no topics given");

  std::unique_ptr<consumer> self(new consumer());
  auto props = merge_properties(default_properties(options), options.properties);
  self->name_ = props["client.id"];
  auto conf = make_conf(props);
  if (!conf) return conf.err();
  rd_kafka_conf_set_opaque(conf->get(), self.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &consumer::on_rebalance);
  rd_kafka_conf_set_error_cb(conf->get(), &consumer::on_error);
  auto client = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!client) return client.err();
  self->client_ = std::move(*client);
  // Everything (messages, rebalances, errors) is served by consumer_poll.
  rd_kafka_poll_set_consumer(self->client_.get());

  partition_list_ptr topics(
      rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size())));
  for (const auto& t : options.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(self->client_.get(), topics.get())) {
    return kafka_error("consumer: subscribing", err);
  }
  return self;
}

consumer::~consumer() {
  close();
}

std::vector<message> consumer::poll_batch(std::size_t max, std::chrono::milliseconds timeout) {
  std::vector<message> out;
  if (closed_ || max == 0) return out;
  auto deadline = clock::now() + timeout;
  while (out.size() < max) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    int wait_ms = out.empty() && left.count() > 0 ? static_cast<int>(left.count()) : 0;
    message_ptr m(rd_kafka_consumer_poll(client_.get(), wait_ms));
    if (!m) {
      if (!out.empty() || wait_ms == 0) break;
      continue;  // a callback ended the wait early
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (m->err) {
      std::string where = m->rkt ? std::string(rd_kafka_topic_name(m->rkt)) + "[" +
                                       std::to_string(m->partition) + "]: "
                                 : "";
      record_error(where + rd_kafka_message_errstr(m.get()));
      continue;
    }
    out.emplace_back(std::move(m));
  }
  return out;
}

status consumer::store_offsets(const std::vector<topic_partition_offset>& offsets) {
  if (closed_) return kafka_error("consumer is closed");
  if (offsets.empty()) return ok_status();
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition)->offset = o.offset;
  }
  auto err = rd_kafka_offsets_store(client_.get(), list.get());
  std::string failed;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (!e.err) continue;
    failed += std::string(failed.empty() ? "" : "; ") + e.topic + "[" +
              std::to_string(e.partition) + "]: " + rd_kafka_err2str(e.err);
  }
  if (!failed.empty()) return kafka_error("offsets not stored: " + failed);
  if (err) return kafka_error("storing offsets", err);
  return ok_status();
}

status consumer::commit_sync() {
  if (closed_) return kafka_error("consumer is closed");
  auto err = rd_kafka_commit(client_.get(), nullptr, 0 /* sync */);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) return kafka_error("committing offsets", err);
  return ok_status();
}

std::vector<std::pair<std::string, int>> consumer::assignment() const {
  std::vector<std::pair<std::string, int>> out;
  if (closed_) return out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(client_.get(), &raw)) return out;
  partition_list_ptr list(raw);
  for (int i = 0; i < list->cnt; ++i)
    out.emplace_back(list->elems[i].topic, list->elems[i].partition);
  return out;
}

bool consumer::assigned() const {
  return !assignment().empty();
}

status consumer::pause_all() {
  return set_paused(true);
}
status consumer::resume_all() {
  return set_paused(false);
}

status consumer::set_paused(bool paused) {
  if (closed_) return kafka_error("consumer is closed");
  paused_ = paused;  // remembered for partitions assigned later
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (auto err = rd_kafka_assignment(client_.get(), &raw))
    return kafka_error("reading assignment", err);
  partition_list_ptr list(raw);
  if (list->cnt == 0) return ok_status();
  auto err = paused ? rd_kafka_pause_partitions(client_.get(), list.get())
                    : rd_kafka_resume_partitions(client_.get(), list.get());
  if (err) return kafka_error(paused ? "pausing" : "resuming", err);
  return ok_status();
}

void consumer::close() {
  if (closed_ || !client_) return;
  if (auto s = commit_sync(); !s) spdlog::warn("kafka consumer {}: {}", name_, s.err().detail);
  closed_ = true;
  if (auto err = rd_kafka_consumer_close(client_.get())) {
    spdlog::warn("kafka consumer {}: closing: {}", name_, rd_kafka_err2str(err));
  }
}

void consumer::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<consumer*>(opaque)->rebalance(err, partitions);
}

void consumer::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<consumer*>(opaque)->record_error(
      std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason);
}

void consumer::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = client_.get();
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    spdlog::info("kafka consumer {}: assigned {}", name_, describe(partitions));
    if (cooperative) {
      error_ptr e(rd_kafka_incremental_assign(rk, partitions));
      if (e) record_error(std::string("assigning: ") + rd_kafka_error_string(e.get()));
    } else if (auto e = rd_kafka_assign(rk, partitions)) {
      record_error(std::string("assigning: ") + rd_kafka_err2str(e));
    }
    if (paused_ && partitions->cnt > 0) rd_kafka_pause_partitions(rk, partitions);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    spdlog::info("kafka consumer {}: revoked {}", name_, describe(partitions));
    // Commit what was handled so the next owner does not repeat it; a lost
    // assignment can no longer commit.
    if (!rd_kafka_assignment_lost(rk)) {
      auto c = rd_kafka_commit(rk, nullptr, 0);
      if (c && c != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        record_error(std::string("committing on revoke: ") + rd_kafka_err2str(c));
      }
    }
    if (cooperative) {
      error_ptr e(rd_kafka_incremental_unassign(rk, partitions));
      if (e) record_error(std::string("unassigning: ") + rd_kafka_error_string(e.get()));
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    return;
  }
  // Neither event: librdkafka requires clearing the assignment to resync.
  record_error(std::string("rebalance failed: ") + rd_kafka_err2str(err));
  rd_kafka_assign(rk, nullptr);
}

void consumer::record_error(const std::string& what) {
  last_error_ = kafka_error(what);
  if (error_log_.admit(error_throttle::clock::now())) {
    spdlog::warn("kafka consumer {}: {} ({} similar suppressed)", name_, what,
                 error_log_.suppressed());
  }
}

}  // namespace llmopt::kafka
