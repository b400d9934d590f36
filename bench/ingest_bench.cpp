#include "bench/ingest_bench.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/aggregator_actor.hpp"
#include "actors/collector_actor.hpp"
#include "actors/decision_options.hpp"
#include "actors/messages.hpp"
#include "actors/store_actor.hpp"
#include "bench/signal_stream.hpp"
#include "config/loader.hpp"
#include "store/migrations.hpp"

namespace llmopt {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr long long partition_bytes_limit = 5'000'000;   // the mock broker keeps 5 MB ...
constexpr long long partition_messages_limit = 100'000;  // ... or 100k messages per partition

const std::vector<std::string> sources{"cost", "latency", "sentinel", "shield", "observatory"};

// `llmopt broker` in a child process; its address from its first line.
struct broker_process {
  pid_t pid = -1;
  std::string bootstrap;
  ~broker_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

status start_broker(const ingest_bench_options& o, broker_process& b) {
  int out[2];
  if (::pipe(out)) return error{"bench", "pipe failed"};
  b.pid = ::fork();
  if (b.pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    const std::string partitions = std::to_string(o.partitions);
    const std::string file = "/dev/null";
    ::execl(o.self_exe.c_str(), "llmopt", "broker", "--partitions", partitions.c_str(),
            "--bootstrap-file", file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n')
    line += c;
  ::close(out[0]);
  const auto at = line.find(" at ");
  if (at == std::string::npos) return error{"bench", "the broker did not start: " + line};
  b.bootstrap = line.substr(at + 4, line.find(' ', at + 4) - at - 4);
  return ok_status();
}

// Produces the signals from a child process, so that neither the generated
// messages nor the producer's buffers count in this process's memory.
status fill(const ingest_bench_options& o, const std::string& bootstrap, long long& bytes) {
  int out[2];
  if (::pipe(out)) return error{"bench", "pipe failed"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(out[0]);
    auto stream = make_signal_stream(o.seed, static_cast<int>(o.signals), 0, 0, o.models);
    std::map<std::string, long long> topic_bytes, topic_messages;
    long long total = 0;
    for (const auto& m : stream.messages) {
      topic_bytes[m.source] += static_cast<long long>(m.value.size());
      ++topic_messages[m.source];
      total += static_cast<long long>(m.value.size());
    }
    for (const auto& [source, n] : topic_bytes) {
      // Keys spread evenly; keep a margin for the skew of hashing.
      if (n / o.partitions > partition_bytes_limit * 8 / 10 ||
          topic_messages[source] / o.partitions > partition_messages_limit * 8 / 10) {
        dprintf(out[1], "error: %s would hold %lld bytes per partition: use more partitions\n",
                source.c_str(), n / o.partitions);
        ::_exit(2);
      }
    }
    auto producer = kafka::producer::create({bootstrap, "llmopt-bench", {}});
    if (!producer) ::_exit(3);
    for (const auto& m : stream.messages) {
      while (!(*producer)->produce(topic_of(m.source), std::string_view{m.key}, m.value))
        (*producer)->poll();  // local queue full: serve deliveries, retry
    }
    if (!(*producer)->flush(std::chrono::minutes(5)) || (*producer)->delivery_failures() > 0)
      ::_exit(4);
    dprintf(out[1], "ok %lld\n", total);
    ::_exit(0);
  }
  ::close(out[1]);
  std::string report;
  char buf[256];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
    report.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return error{"bench",
                 "filling the broker failed: " +
                     (report.empty() ? "status " + std::to_string(WEXITSTATUS(st)) : report)};
  bytes = std::stoll(report.substr(3));
  return ok_status();
}

nlohmann::json query(const caf::actor& a) {
  auto answer = std::make_shared<std::promise<nlohmann::json>>();
  caf::anon_send(a,
                 pipeline_query{[answer](nlohmann::json j) { answer->set_value(std::move(j)); }});
  return answer->get_future().get();
}

struct timing {
  double seconds = 0;
  long long pauses = 0;
};

// The real pipeline, as the daemon runs it with the default settings.
result<timing> measure_pipeline(const ingest_bench_options& o, const std::string& bootstrap,
                                const std::string& store_path) {
  const settings s = default_settings();
  auto db = open_store(store_path, open_mode::read_write);
  if (!db) return db.err();
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  auto store = sys.spawn<caf::detached>(store_actor, std::make_shared<database>(std::move(*db)));
  aggregator_actor_config agg;
  agg.intake = intake_options_of(s);
  agg.checkpoint_interval = std::chrono::milliseconds(s.checkpoint.interval_ms);
  agg.store = store;
  auto aggregator = sys.spawn(aggregator_actor, std::move(agg));
  auto router = sys.spawn(
      [](caf::event_based_actor*) -> caf::behavior { return {[](consuming_atom, bool) {}}; });

  collector_config c;
  kafka::consumer_options consumer{
      bootstrap, "llmopt-bench-pipeline", "llmopt-bench", {}, {}, {}, {}, {}};
  for (const auto& source : sources) {
    c.topics[topic_of(source)] = *parse_topic_kind(source);
    consumer.topics.push_back(topic_of(source));
  }
  auto created = kafka::consumer::create(std::move(consumer));
  if (!created) return created.err();
  c.consumer = std::move(*created);
  auto producer = kafka::producer::create({bootstrap, "llmopt-bench", {}});
  if (!producer) return producer.err();
  c.producer = std::move(*producer);
  c.positions = std::make_shared<partition_positions>();
  c.dlq_topic = s.kafka.topic_dlq;
  c.limits = parse_limits_of(s);
  c.batch_max = static_cast<std::size_t>(s.collector.batch_max);
  c.poll_timeout = std::chrono::milliseconds(s.collector.poll_timeout_ms);
  c.high_watermark = s.collector.high_watermark;
  c.low_watermark = s.collector.low_watermark;
  c.aggregator = aggregator;
  c.router = router;
  auto collector = sys.spawn<caf::detached>(collector_actor, std::move(c));
  caf::anon_send(aggregator, peers_atom::value, caf::actor{}, collector);

  timing t;
  clock_type::time_point first{}, last{};
  const auto deadline = clock_type::now() + std::chrono::minutes(10);
  for (long long received = 0; received < o.signals && clock_type::now() < deadline;) {
    received = query(aggregator)["total"]["received"].get<long long>();
    if (received > 0 && first == clock_type::time_point{}) first = clock_type::now();
    last = clock_type::now();
    if (received < o.signals) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  t.seconds = std::chrono::duration<double>(last - first).count();
  t.pauses = query(collector)["pauses"].get<long long>();
  for (const auto& a : {collector, aggregator, router, store})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return t;
}

// A bare consumer that only counts.
result<double> measure_raw(const ingest_bench_options& o, const std::string& bootstrap) {
  kafka::consumer_options options{bootstrap, "llmopt-bench-raw", "llmopt-bench", {}, {}, {}, {},
                                  {}};
  for (const auto& source : sources)
    options.topics.push_back(topic_of(source));
  auto consumer = kafka::consumer::create(std::move(options));
  if (!consumer) return consumer.err();
  const std::size_t batch = static_cast<std::size_t>(default_settings().collector.batch_max);
  long long seen = 0;
  clock_type::time_point first{};
  const auto deadline = clock_type::now() + std::chrono::minutes(10);
  while (seen < o.signals && clock_type::now() < deadline) {
    auto messages = (*consumer)->poll_batch(batch, std::chrono::milliseconds(100));
    if (!messages.empty() && first == clock_type::time_point{}) first = clock_type::now();
    seen += static_cast<long long>(messages.size());
  }
  if (seen < o.signals) return error{"bench", "the bare consumer saw only " + std::to_string(seen)};
  return std::chrono::duration<double>(clock_type::now() - first).count();
}

}  // namespace

result<nlohmann::json> run_ingest_bench(const ingest_bench_options& o) {
  broker_process broker;
  if (auto st = start_broker(o, broker); !st) return st.err();
  long long bytes = 0;
  if (auto st = fill(o, broker.bootstrap, bytes); !st) return st.err();

  char dir_template[] = "/tmp/llmopt-bench-XXXXXX";
  if (!::mkdtemp(dir_template)) return error{"bench", "mkdtemp failed"};
  const std::string dir = dir_template;
  auto pipeline = measure_pipeline(o, broker.bootstrap, dir + "/bench.db");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!pipeline) return pipeline.err();
  auto raw = measure_raw(o, broker.bootstrap);
  if (!raw) return raw.err();

  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const double n = static_cast<double>(o.signals);
  const double rate = n / pipeline->seconds;
  const double raw_rate = n / *raw;
  return nlohmann::json{{"signals", o.signals},
                        {"seconds", pipeline->seconds},
                        {"signals_per_s", rate},
                        {"raw_consume_per_s", raw_rate},
                        {"ratio", rate / raw_rate},
                        {"peak_rss_mb", static_cast<double>(usage.ru_maxrss) / 1024.0},
                        {"partitions", o.partitions},
                        {"models", o.models},
                        {"mean_message_bytes", static_cast<double>(bytes) / n},
                        {"pauses", pipeline->pauses}};
}

}  // namespace llmopt
