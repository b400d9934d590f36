#include "adapters/kafka/consumer.hpp"

#include <algorithm>
#include <map>

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
      // Prefetch limits, shared by all assigned partitions (librdkafka
      // compares them with the one consumer queue). Once either is reached,
      // librdkafka 2.0.2 (Debian 12) stops fetching and starts again only on
      // its broker thread's next wake-up, up to 1 s later (2.2 added
      // fetch.queue.backoff.ms for this), so the queue must last that long.
      // Its defaults (100k messages, 64 MB) last 0.1 s at the 1M signals/s
      // target. llmopt bench ingest, 1M signals on 2 cores (bench/README.md):
      //   100k messages / 16 MB:  0.14-0.45M signals/s, peak RSS 173-265 MB
      //   300k messages / 64 MB:  0.44-0.70M signals/s, peak RSS 247-310 MB
      //   1M messages / 256 MB:   0.64-0.85M signals/s, peak RSS 284-359 MB
      // Most of that RSS is librdkafka's queue (heaptrack: ~150 MB at peak
      // with 300k/64 MB). The middle keeps memory bounded; a deployment that
      // needs more speed raises both in kafka.properties.
      {"queued.min.messages", "300000"},
      {"queued.max.messages.kbytes", "65536"},
  };
}

// "t[0], t[1]@5": an explicit start offset follows the partition.
// A partition list for logs, per topic with ranges: "t[0-63], u[0,2]";
// explicit start offsets as "t[1]@5" while the list is short, else counted.
std::string describe(const rd_kafka_topic_partition_list_t* list) {
  if (list->cnt == 0) return "none";
  constexpr int detailed = 8;
  std::map<std::string, std::vector<std::pair<int, long long>>> by_topic;
  int with_offset = 0;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    by_topic[e.topic].emplace_back(e.partition, e.offset);
    with_offset += e.offset >= 0;
  }
  std::string out;
  for (auto& [topic, parts] : by_topic) {
    std::sort(parts.begin(), parts.end());
    out += (out.empty() ? "" : ", ") + topic + "[";
    for (std::size_t i = 0; i < parts.size();) {
      std::size_t j = i;
      while (j + 1 < parts.size() && parts[j + 1].first == parts[j].first + 1)
        ++j;
      if (i) out += ",";
      out += std::to_string(parts[i].first);
      if (j > i) out += "-" + std::to_string(parts[j].first);
      if (list->cnt <= detailed && i == j && parts[i].second >= 0)
        out += "@" + std::to_string(parts[i].second);
      i = j + 1;
    }
    out += "]";
  }
  if (list->cnt > detailed && with_offset > 0)
    out += " (" + std::to_string(with_offset) + " from start offsets)";
  return out;
}

// The application's start offset for one partition. noexcept: an exception
// must not unwind through librdkafka's C frames, so it terminates here.
std::optional<long long> ask_start_offset(const start_offset_fn& f, const std::string& topic,
                                          int partition) noexcept {
  return f(topic, partition);
}

// The hooks run inside a librdkafka callback, where an exception terminates.
void ask_before_assign(const std::function<void()>& f) noexcept {
  f();
}

void tell_revoked(
    const std::function<void(const std::vector<std::pair<std::string, int>>&, bool)>& f,
    const rd_kafka_topic_partition_list_t* list, bool lost) noexcept {
  std::vector<std::pair<std::string, int>> partitions;
  for (int i = 0; i < list->cnt; ++i)
    partitions.emplace_back(list->elems[i].topic, list->elems[i].partition);
  f(partitions, lost);
}

// How long close() waits for the group: librdkafka bounds its own close by
// roughly the session timeout.
std::chrono::milliseconds close_timeout(const property_map& props) {
  long long session_ms = 10000;
  if (auto it = props.find("session.timeout.ms"); it != props.end()) {
    try {
      session_ms = std::stoll(it->second);
    } catch (const std::exception&) {
      // librdkafka refused the configuration already
    }
  }
  return std::chrono::milliseconds(session_ms);
}

int milliseconds_until(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

property_map consumer_properties(const consumer_options& options) {
  return merge_properties(default_properties(options), options.properties);
}

topic_partition_offset next_position(const message& m) {
  return {std::string(m.topic()), m.partition(), m.offset() + 1};
}

result<std::unique_ptr<consumer>> consumer::create(consumer_options options) {
  if (options.brokers.empty()) return kafka_error("consumer: no brokers given");
  if (options.group_id.empty()) return kafka_error("consumer: no group id given");
  if (options.topics.empty()) return kafka_error("consumer: no topics given");

  std::unique_ptr<consumer> self(new consumer());
  auto props = consumer_properties(options);
  self->name_ = props["client.id"];
  self->close_timeout_ = close_timeout(props);
  self->start_offset_ = std::move(options.start_offset);
  self->before_assign_ = std::move(options.before_assign);
  self->on_revoke_ = std::move(options.on_revoke);
  auto conf = make_conf(props);
  if (!conf) return conf.err();
  rd_kafka_conf_set_opaque(conf->get(), self.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &consumer::on_rebalance);
  rd_kafka_conf_set_error_cb(conf->get(), &consumer::on_error);
  auto client = make_client(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!client) return client.err();
  self->client_ = std::move(*client);
  // Everything (messages, rebalances, errors) arrives on the consumer queue,
  // which poll_batch() serves.
  rd_kafka_poll_set_consumer(self->client_.get());
  self->queue_.reset(rd_kafka_queue_get_consumer(self->client_.get()));

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
  for (;;) {
    // Take what is already fetched, up to max.
    std::size_t want = max - out.size();
    long got = take(want, 0, out);
    if (got < 0 || out.size() == max) break;
    if (static_cast<std::size_t>(got) == want) continue;  // some were events: more may wait
    if (!out.empty()) break;
    // Nothing yet: wait for one (serving rebalances and errors meanwhile),
    // then take what arrived with it on the next round.
    int wait_ms = milliseconds_until(deadline);
    if (wait_ms == 0) break;
    if (take(1, wait_ms, out) < 0) break;
  }
  return out;
}

long consumer::take(std::size_t max, int wait_ms, std::vector<message>& out) {
  if (batch_.size() < max) batch_.resize(max);
  ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), wait_ms, batch_.data(), max);
  if (n < 0) {
    record_error(std::string("consuming: ") + rd_kafka_err2str(rd_kafka_last_error()));
    return -1;
  }
  out.reserve(out.size() + static_cast<std::size_t>(n));
  for (ssize_t i = 0; i < n; ++i) {
    message_ptr m(batch_[static_cast<std::size_t>(i)]);
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
  return static_cast<long>(n);
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

std::vector<consumer::partition_lag> consumer::lag() const {
  std::vector<partition_lag> out;
  if (closed_) return out;
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(client_.get(), &raw)) return out;
  partition_list_ptr list(raw);
  rd_kafka_position(client_.get(), list.get());  // each element's offset: the next to return
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    partition_lag l{p.topic, p.partition, std::nullopt};
    int64_t low = 0, high = 0;
    if (p.offset >= 0 &&
        rd_kafka_get_watermark_offsets(client_.get(), p.topic, p.partition, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0)
      l.messages = std::max<long long>(0, high - p.offset);
    out.push_back(std::move(l));
  }
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

// librdkafka 2.0 (Debian 12) can wait for good in rd_kafka_consumer_close()
// when a cooperative assignment arrives while it closes: it turns the
// assignment into an unassign but keeps waiting for the assign call
// (librdkafka #4527, fixed in 2.4). So close() first serves an assignment
// already waiting in the queue, and it closes through the queue, giving up
// after the session timeout should one arrive meanwhile. (Unsubscribing first
// is no way out: 2.0 then sends its LeaveGroup without the member id, and the
// broker keeps the member until its session times out.)
void consumer::close() {
  if (closed_ || !client_) return;
  if (auto s = commit_sync(); !s) spdlog::warn("kafka consumer {}: {}", name_, s.err().detail);
  serve_unhandled(0);
  closed_ = true;
  if (!finish_close(clock::now() + close_timeout_)) {
    // Destroying the handle would wait for the same group: leave it to the
    // process's exit instead of hanging the shutdown.
    record_error("not closed within the session timeout (" +
                 std::to_string(close_timeout_.count()) + " ms); left to the process's exit");
    client_.release();
  }
  queue_.reset();
}

bool consumer::finish_close(clock::time_point deadline) {
  rd_kafka_t* rk = client_.get();
  if (error_ptr e{rd_kafka_consumer_close_queue(rk, queue_.get())}) {
    spdlog::warn("kafka consumer {}: closing: {}", name_, rd_kafka_error_string(e.get()));
    return true;  // not closing: nothing to wait for
  }
  while (!rd_kafka_consumer_closed(rk)) {
    int wait_ms = std::min(10, milliseconds_until(deadline));
    if (wait_ms == 0) return false;
    serve_unhandled(wait_ms);
  }
  return true;
}

// Messages fetched while closing are not handled, nor their offsets stored,
// so the next owner reads them.
void consumer::serve_unhandled(int wait_ms) {
  std::vector<message> unhandled;
  if (take(1, wait_ms, unhandled) <= 0) return;
  while (take(batch_size_while_closing, 0, unhandled) > 0)
    unhandled.clear();
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
    assign(partitions, cooperative);
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    spdlog::info("kafka consumer {}: revoked {}", name_, describe(partitions));
    ++revocations_;
    const bool lost = rd_kafka_assignment_lost(rk);
    if (on_revoke_) tell_revoked(on_revoke_, partitions, lost);
    // Commit what was handled, for the next owner and anything else that
    // reads the group's offsets; a lost assignment can no longer commit.
    if (!lost) {
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

void consumer::assign(const rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  rd_kafka_t* rk = client_.get();
  if (before_assign_ && partitions->cnt > 0) ask_before_assign(before_assign_);
  partition_list_ptr list = with_start_offsets(partitions);
  spdlog::info("kafka consumer {}: assigned {}", name_, describe(list.get()));
  if (cooperative) {
    error_ptr e(rd_kafka_incremental_assign(rk, list.get()));
    if (e) record_error(std::string("assigning: ") + rd_kafka_error_string(e.get()));
  } else if (auto e = rd_kafka_assign(rk, list.get())) {
    record_error(std::string("assigning: ") + rd_kafka_err2str(e));
  }
  if (paused_ && list->cnt > 0) rd_kafka_pause_partitions(rk, list.get());
}

// A copy of `partitions` with the application's start offsets filled in; the
// others keep RD_KAFKA_OFFSET_INVALID, which means the committed offset.
partition_list_ptr consumer::with_start_offsets(const rd_kafka_topic_partition_list_t* partitions) {
  partition_list_ptr list(rd_kafka_topic_partition_list_copy(partitions));
  if (!start_offset_) return list;
  for (int i = 0; i < list->cnt; ++i) {
    auto& e = list->elems[i];
    auto start = ask_start_offset(start_offset_, e.topic, e.partition);
    if (!start) continue;
    if (*start < 0) {
      record_error("start offset " + std::to_string(*start) + " for " + e.topic + "[" +
                   std::to_string(e.partition) + "] is negative; using the committed offset");
      continue;
    }
    e.offset = *start;
  }
  return list;
}

void consumer::record_error(const std::string& what) {
  last_error_ = kafka_error(what);
  if (error_log_.admit(error_throttle::clock::now())) {
    spdlog::warn("kafka consumer {}: {} ({} similar suppressed)", name_, what,
                 error_log_.suppressed());
  }
}

}  // namespace llmopt::kafka
