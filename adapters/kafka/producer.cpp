#include "adapters/kafka/producer.hpp"

#include <spdlog/spdlog.h>

namespace llmopt::kafka {
namespace {

// Defaults; producer_options::properties override them.
property_map default_properties(const producer_options& o) {
  return {
      {"bootstrap.servers", o.brokers},
      {"client.id", o.client_id.empty() ? "llmopt" : o.client_id},
      // Wait up to 5 ms to batch bursts (a DLQ run, a routing table push)
      // into one request; small next to a signal's end-to-end latency.
      {"linger.ms", "5"},
      // Bound what waits locally for the brokers, e.g. through a broker
      // outage (messages are retried for message.timeout.ms, 5 min):
      // librdkafka's 1 GB byte limit would let 100k dead letters of up to
      // collector.max_message_bytes (64 KB) hold gigabytes. 64 MB takes a
      // burst of 100k typical dead letters or decisions; past either limit
      // produce() fails at once with "local queue full" (poll() or flush()
      // and retry), it never blocks.
      {"queue.buffering.max.messages", "100000"},
      {"queue.buffering.max.kbytes", "65536"},
  };
}

// librdkafka tells a null pointer (null key or value) from an empty buffer.
void* bytes_or_null(std::optional<std::string_view> bytes) {
  static const char empty = '\0';
  if (!bytes) return nullptr;
  return const_cast<char*>(bytes->data() ? bytes->data() : &empty);
}

}  // namespace

property_map producer_properties(const producer_options& options) {
  return merge_properties(default_properties(options), options.properties);
}

result<std::unique_ptr<producer>> producer::create(producer_options options) {
  if (options.brokers.empty()) return kafka_error("producer: no brokers given");
  std::unique_ptr<producer> self(new producer());
  auto props = producer_properties(options);
  self->name_ = props["client.id"];
  auto conf = make_conf(props);
  if (!conf) return conf.err();
  rd_kafka_conf_set_opaque(conf->get(), self.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &producer::on_delivery);
  rd_kafka_conf_set_error_cb(conf->get(), &producer::on_error);
  auto client = make_client(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!client) return client.err();
  self->client_ = std::move(*client);
  return self;
}

producer::~producer() {
  if (!client_) return;
  rd_kafka_flush(client_.get(), 2000);
  if (long long left = outstanding(); left > 0) {
    spdlog::warn("kafka producer {}: dropping {} undelivered messages", name_, left);
    rd_kafka_purge(client_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(client_.get(), 0);  // serve the purged messages' reports
  }
}

status producer::produce(const std::string& topic, std::optional<std::string_view> key,
                         std::optional<std::string_view> value, const header_list& headers,
                         std::optional<int> partition) {
  if (topic.empty()) return kafka_error("produce: empty topic name");
  headers_ptr hdrs;
  if (!headers.empty()) {
    hdrs.reset(rd_kafka_headers_new(headers.size()));
    for (const auto& [name, v] : headers) {
      rd_kafka_header_add(hdrs.get(), name.data(), static_cast<ssize_t>(name.size()), v.data(),
                          static_cast<ssize_t>(v.size()));
    }
  }
  rd_kafka_vu_t vus[6] = {};
  vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[0].u.cstr = topic.c_str();
  vus[1].vtype = RD_KAFKA_VTYPE_KEY;
  vus[1].u.mem = {bytes_or_null(key), key ? key->size() : 0};
  vus[2].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[2].u.mem = {bytes_or_null(value), value ? value->size() : 0};
  vus[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[3].u.i = RD_KAFKA_MSG_F_COPY;
  std::size_t count = 4;
  if (hdrs) {
    vus[count].vtype = RD_KAFKA_VTYPE_HEADERS;
    vus[count++].u.headers = hdrs.get();
  }
  if (partition) {
    vus[count].vtype = RD_KAFKA_VTYPE_PARTITION;
    vus[count++].u.i32 = *partition;
  }

  unreported_.fetch_add(1);  // before: the report may come on another thread
  error_ptr err(rd_kafka_produceva(client_.get(), vus, count));
  if (err) {
    unreported_.fetch_sub(1);  // the headers stay ours and are freed by hdrs
    if (rd_kafka_error_code(err.get()) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return kafka_error("produce to " + topic + ": local queue full (" +
                         std::to_string(outstanding()) + " messages waiting)");
    }
    return kafka_error("produce to " + topic + ": " + rd_kafka_error_string(err.get()));
  }
  (void)hdrs.release();  // the message owns them now
  return ok_status();
}

void producer::poll() {
  rd_kafka_poll(client_.get(), 0);
}

status producer::flush(std::chrono::milliseconds timeout) {
  auto err = rd_kafka_flush(client_.get(), static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return kafka_error("flush timed out with " + std::to_string(outstanding()) +
                       " messages outstanding");
  }
  if (err) return kafka_error("flush", err);
  return ok_status();
}

void producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<producer*>(opaque);
  self->unreported_.fetch_sub(1);
  if (!m->err) return;
  self->failures_.fetch_add(1);
  self->log_throttled(std::string("delivery to ") + rd_kafka_topic_name(m->rkt) +
                      " failed: " + rd_kafka_err2str(m->err));
}

void producer::on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<producer*>(opaque)->log_throttled(
      std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason);
}

void producer::log_throttled(const std::string& what) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  if (error_log_.admit(error_throttle::clock::now())) {
    spdlog::warn("kafka producer {}: {} ({} similar suppressed)", name_, what,
                 error_log_.suppressed());
  }
}

}  // namespace llmopt::kafka
