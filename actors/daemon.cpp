#include "actors/daemon.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <caf/all.hpp>

#include "actors/aggregator_actor.hpp"
#include "actors/answer_cache.hpp"
#include "actors/call_reports.hpp"
#include "actors/collector_actor.hpp"
#include "actors/config_actor.hpp"
#include "actors/decision_actor.hpp"
#include "actors/decision_exchange.hpp"
#include "actors/decision_options.hpp"
#include "actors/exposure.hpp"
#include "actors/gateway.hpp"
#include "actors/gateway_metrics.hpp"
#include "actors/key_watch.hpp"
#include "actors/messages.hpp"
#include "actors/partition_handoff.hpp"
#include "actors/router_actor.hpp"
#include "actors/shared_ledger.hpp"
#include "actors/spend_guard.hpp"
#include "actors/store_actor.hpp"
#include "actors/upstream_guard.hpp"
#include "actors/wall_clock.hpp"
#include "adapters/kafka/embedded_broker.hpp"
#include "adapters/providers/curl_loop.hpp"
#include "adapters/providers/provider_client.hpp"
#include "adapters/providers/provider_sim.hpp"
#include "adapters/providers/sim_completion.hpp"
#include "adapters/systemd/notify_socket.hpp"
#include "config/loader.hpp"
#include "store/checkpoint_store.hpp"
#include "store/config_snapshots.hpp"
#include "store/migrations.hpp"
#include "store/spend_ledger.hpp"

namespace llmopt {

// Everything the daemon owns, in construction order; destroyed in reverse.
struct daemon::parts {
  std::shared_ptr<database> db;
  // The checkpoint restored at start, until handed on: the newest, or the
  // one the group's record names (partition_handoff_of).
  std::optional<checkpoint> restored;
  std::unique_ptr<kafka::embedded_broker> broker;
  std::string bootstrap;
  std::vector<std::unique_ptr<provider_sim>> sims;
  spend_totals spent;  // the ledger since the start of the month, read at start
  // Used on the curl loop thread only; outlives the loop, whose last
  // exchanges settle with it.
  std::unique_ptr<spend_guard> guard;
  // budgets.redis: in front of the guard, likewise on the loop thread; its
  // Redis thread posts to the loop, so it stops before the loop goes, and
  // goes itself after the loop, before the guard.
  std::unique_ptr<shared_ledger> ledger;
  // Breakers, provider limits, retry budget: likewise on the loop thread only.
  std::unique_ptr<upstream_guard> upstream;
  // With one HTTP thread, the event loop that thread runs, shared by the
  // server and the curl loop (none: each has its own threads).
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<curl_loop> curl;
  std::unique_ptr<answer_cache> cache;    // used on the curl loop's thread
  std::unique_ptr<call_reports> reports;  // likewise; flushed once the loop has stopped
  // Recorded on the loop thread, collected by GET /metrics on any.
  std::unique_ptr<gateway_metrics> metrics = std::make_unique<gateway_metrics>();
  std::shared_ptr<serving_snapshot> catalog = std::make_shared<serving_snapshot>();
  std::shared_ptr<routing_snapshot> snapshot = std::make_shared<routing_snapshot>();
  std::shared_ptr<key_snapshot> keys = std::make_shared<key_snapshot>();
  // systemd's, when it started the daemon; shared with the router's ready
  // callback.
  std::shared_ptr<const notify_socket> service_manager;
  std::unique_ptr<caf::actor_system_config> actor_config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor aggregator, store, router, decision, collector, key_watch, config, exchange;
  std::unique_ptr<gateway> http;
  bool stopped = false;
};

namespace {

// How long the request path gathers its calls' reports before it sends them
// to the actors together (call_reports.hpp).
constexpr long report_interval_ms = 10;

// systemd's notification socket when it started us ($NOTIFY_SOCKET, with
// Type=notify); none otherwise. A bad address is logged, not fatal: the
// daemon serves the same, only the manager is not told.
std::shared_ptr<const notify_socket> open_service_manager(const env_lookup& env) {
  auto address = env("NOTIFY_SOCKET");
  if (!address || address->empty()) return nullptr;
  auto opened = notify_socket::open(*address);
  if (!opened) {
    spdlog::warn("{}: systemd will not be told when llmopt is ready", opened.err().detail);
    return nullptr;
  }
  return std::make_shared<const notify_socket>(std::move(*opened));
}

// Sends `state` (sd_notify's "NAME=value" lines) when there is a manager;
// never blocks, and a failure is only logged.
void tell(const std::shared_ptr<const notify_socket>& service_manager, const std::string& state) {
  if (!service_manager) return;
  if (auto sent = service_manager->send(state); !sent) spdlog::warn("{}", sent.err().detail);
}

status start_store(daemon::parts& p, const settings& s, const std::string& config_text) {
  auto db = open_store(s.store_path(), open_mode::read_write);
  if (!db) return db.err();
  p.db = std::make_shared<database>(std::move(*db));
  auto latest = checkpoint_store(*p.db).latest();
  if (!latest) return latest.err();
  p.restored = std::move(*latest);
  auto spent =
      spend_ledger(*p.db).totals_since(period_start_ms(budget_period::month, wall_clock_ms()));
  if (!spent) return spent.err();
  p.spent = std::move(*spent);
  config_snapshots snapshots(*p.db);
  return snapshots.save(wall_clock_ms(), s.source, config_text);
}

status start_kafka(daemon::parts& p, const settings& s) {
  if (!s.kafka.brokers.empty()) {
    p.bootstrap = s.kafka.brokers;
    return ok_status();
  }
  auto broker = kafka::embedded_broker::start();
  if (!broker) return broker.err();
  p.broker = std::move(*broker);
  for (const auto& topic : kafka_topics_of(s))
    if (auto st = p.broker->create_topic(topic, s.kafka.embedded_partitions); !st) return st;
  p.bootstrap = p.broker->bootstrap();
  const std::string file = s.state_dir + "/kafka.bootstrap";
  std::ofstream(file, std::ios::trunc) << p.bootstrap << "\n";
  std::printf("llmopt: embedded kafka broker at %s (written to %s)\n", p.bootstrap.c_str(),
              file.c_str());
  return ok_status();
}

// The simulator of a simulated provider, started in-process; its base URL
// for the wire format the provider is spoken to in.
result<std::string> start_simulator(std::vector<std::unique_ptr<provider_sim>>& sims,
                                    std::size_t seed, const settings& s,
                                    const provider_settings& provider) {
  provider_sim_options sim;
  sim.listen = "127.0.0.1:0";
  sim.seed = seed;
  for (const auto& m : s.models) {
    if (provider_of(m.spec.id) != provider.name || !m.simulation) continue;
    simulated_model model{m.spec.id, m.spec.price, *m.simulation};
    if (m.simulation_ttft_ms >= 0) model.ttft_ms = m.simulation_ttft_ms;
    if (m.simulation_tokens_per_s >= 0) model.tokens_per_s = m.simulation_tokens_per_s;
    if (m.simulation_output_tokens > 0) model.output_tokens = m.simulation_output_tokens;
    sim.models.push_back(std::move(model));
  }
  auto started = provider_sim::start(std::move(sim));
  if (!started) return started.err();
  sim_format format = sim_format::openai;
  for (auto f : all_sim_formats)
    if (name_of(f) == provider.format) format = f;
  std::string url = (*started)->base_url(format);
  std::printf("llmopt: simulated provider %s (%s) at %s\n", provider.name.c_str(),
              provider.format.c_str(), url.c_str());
  sims.push_back(std::move(*started));
  return url;
}

upstream_guard_options upstream_options_of(const settings& s) {
  const auto& r = s.router;
  upstream_guard_options o;
  o.breaker = {r.breaker_failures,          r.breaker_error_rate,  r.breaker_min_calls,
               r.breaker_window_s * 1000LL, r.breaker_cooldown_ms, r.breaker_max_cooldown_ms};
  o.retry_budget = {r.retry_budget_ratio, r.retry_budget_window_s * 1000LL,
                    r.retry_budget_min_per_s};
  for (const auto& provider : s.providers)
    o.limits[provider.name] = {provider.rpm, provider.tpm, provider.max_concurrent};
  return o;
}

spend_guard_options spend_guard_options_of(const settings& s) {
  spend_guard_options guard;
  guard.soft_fraction = s.budgets.soft_fraction;
  guard.limit_kind = s.budgets.limit_kind == "token_bucket" ? rate_limit_kind::token_bucket
                                                            : rate_limit_kind::sliding_window;
  for (const auto& r : s.routes)
    if (r.budget_usd > 0) {
      route_budget b{r.budget_usd, budget_period::month};
      parse_budget_period(r.budget_period, b.period);
      guard.route_budgets[r.name] = b;
    }
  return guard;
}

// A route's deadline and retry policy: its preset (or router.retry) with
// its overrides.
request_guarding guarding_of(const settings& s, const route_spec* route) {
  request_guarding g;
  g.timeout_ms = s.router.timeout_ms;
  g.retry = *retry_preset(s.router.retry);
  if (!route) return g;
  if (route->timeout_ms > 0) g.timeout_ms = route->timeout_ms;
  if (route->retry != "default") g.retry = *retry_preset(route->retry);
  if (auto kind = retry_kind_named(route->retry_kind)) g.retry.kind = *kind;
  if (route->retry_base_ms >= 0) g.retry.base_ms = route->retry_base_ms;
  if (route->retry_cap_ms >= 0) g.retry.cap_ms = route->retry_cap_ms;
  if (route->retry_max_retries >= 0) g.retry.max_retries = route->retry_max_retries;
  return g;
}

// Whether the provider called `name` may keep its client across a reload:
// neither it nor (when simulated, as its simulator serves them) any of its
// models changed.
bool unchanged_provider(const provider_settings& provider, const config_changes& changes) {
  auto named = [&](const std::string& n) { return n == provider.name; };
  if (std::any_of(changes.providers.begin(), changes.providers.end(), named)) return false;
  if (provider.kind != "simulated") return true;
  return std::none_of(changes.models.begin(), changes.models.end(),
                      [&](const std::string& m) { return provider_of(m) == provider.name; });
}

// What the request path serves `s` with. With `previous` (a reload), each
// provider whose settings did not change keeps its client; the others get
// a new one, and a simulated one a new simulator, added to `started`.
result<serving_catalog> build_catalog(daemon::parts& p, const settings& s, const env_lookup& env,
                                      const serving_catalog* previous,
                                      const config_changes& changes,
                                      std::vector<std::unique_ptr<provider_sim>>& started) {
  serving_catalog catalog;
  for (const auto& provider : s.providers) {
    if (previous && unchanged_provider(provider, changes))
      if (auto kept = previous->providers.find(provider.name); kept != previous->providers.end()) {
        catalog.providers[provider.name] = kept->second;
        continue;
      }
    provider_endpoint endpoint;
    endpoint.name = provider.name;
    endpoint.format = *wire::format_named(provider.wire_format());
    endpoint.key_header = provider.key_header;
    endpoint.api_version = provider.api_version;
    endpoint.timeout_ms = provider.timeout_ms;
    if (provider.kind == "simulated") {
      auto url = start_simulator(started, p.sims.size() + started.size() + 1, s, provider);
      if (!url) return url.err();
      endpoint.base_url = *url;
    } else {
      auto key = resolve_secret(provider.api_key, env);
      if (!key) return error{"startup", "provider " + provider.name + ": " + key.err().detail};
      endpoint.base_url = provider.endpoint();
      endpoint.api_key = std::move(*key);
    }
    catalog.providers[provider.name] =
        std::make_shared<provider_client>(*p.curl, std::move(endpoint));
  }
  for (const auto& m : s.models) {
    catalog.models[m.spec.id] = {m.capabilities, m.spec.price};
    catalog.model_ids.push_back(m.spec.id);
  }
  for (const auto& r : s.routes) {
    catalog.routes.push_back(r.name);
    catalog.route_guarding[r.name] = guarding_of(s, &r);
  }
  catalog.max_attempts = static_cast<std::size_t>(s.router.max_attempts);
  catalog.default_max_tokens = s.budgets.default_max_tokens;
  catalog.guarding = guarding_of(s, nullptr);
  catalog.max_timeout_ms = s.router.max_timeout_ms;
  return catalog;
}

status start_providers(daemon::parts& p, const settings& s, const env_lookup& env) {
  if (s.http.threads == 1) {
    // A request and its upstream call on one thread: no hand-over between
    // threads on the way out or back (bench/README.md, "Gateway").
    p.io = std::make_unique<boost::asio::io_context>(1);
    p.curl = std::make_unique<curl_loop>(*p.io);
  } else {
    p.curl = std::make_unique<curl_loop>();
  }
  std::vector<std::unique_ptr<provider_sim>> started;
  auto catalog = build_catalog(p, s, env, nullptr, {}, started);
  if (!catalog) return catalog.err();
  for (auto& sim : started)
    p.sims.push_back(std::move(sim));
  p.catalog->replace(std::move(*catalog));
  p.upstream = std::make_unique<upstream_guard>(upstream_options_of(s));
  return ok_status();
}

result<std::shared_ptr<kafka::producer>> make_producer(const daemon::parts& p, const settings& s,
                                                       const env_lookup& env) {
  auto properties = resolve_properties(s.kafka.properties, env);
  if (!properties) return properties.err();
  kafka::producer_options producer;
  producer.brokers = p.bootstrap;
  producer.client_id = s.kafka.client_id;
  producer.properties = std::move(*properties);
  auto made = kafka::producer::create(std::move(producer));
  if (!made) return made.err();
  return std::shared_ptr<kafka::producer>(std::move(*made));
}

// The partition handoff of an instance that shares decisions, with the
// group's checkpoint records read to their end. The checkpoint to restore
// becomes the one this store's newest record names: its newer ones counted
// what the partitions' next owners count again.
result<std::shared_ptr<partition_handoff>> partition_handoff_of(
    daemon::parts& p, const settings& s, const kafka::property_map& properties,
    std::shared_ptr<partition_positions> own, std::shared_ptr<kafka::producer> producer) {
  auto store = store_identity(*p.db);
  if (!store) return store.err();
  const auto wait = std::chrono::milliseconds(std::max(10'000, s.kafka.session_timeout_ms));
  auto records =
      kafka::topic_follower::create(p.bootstrap, properties, s.kafka.topic_checkpoints, wait);
  if (!records)
    return error{records.err().code, "kafka.topics.checkpoints: " + records.err().detail};
  partition_handoff::options o;
  o.group = s.kafka.group_id;
  o.store = *store;
  o.topic = s.kafka.topic_checkpoints;
  o.records = std::move(*records);
  o.producer = std::move(producer);
  o.wait = wait;
  auto handoff = std::make_shared<partition_handoff>(std::move(o), std::move(own));
  // Without the whole topic the checkpoint to restore is unknown: better not
  // to start than to count a stretch twice.
  if (auto read = handoff->catch_up(); !read) return read.err();
  auto recorded = handoff->recorded_checkpoint();
  if (!recorded) return handoff;
  handoff->restored(*recorded);
  if (p.restored && p.restored->id == *recorded) return handoff;
  auto named = checkpoint_store(*p.db).by_id(*recorded);
  if (!named) return named.err();
  if (!named->has_value()) {
    spdlog::error(
        "the group's record names checkpoint {} of this store ({}), which is not kept; "
        "restoring the newest, {}: signals it counted since may be counted twice",
        *recorded, *store, p.restored ? p.restored->id : 0);
    return handoff;
  }
  spdlog::info("restoring checkpoint {}, the one the group has a record of (not the newest, {})",
               *recorded, p.restored ? p.restored->id : 0);
  p.restored = std::move(**named);
  return handoff;
}

result<collector_config> make_collector_config(daemon::parts& p, const settings& s,
                                               const env_lookup& env) {
  const auto& k = s.kafka;
  auto properties = resolve_properties(k.properties, env);
  if (!properties) return properties.err();
  collector_config c;
  c.topics = signal_topics_of(s);
  c.positions = std::make_shared<partition_positions>();
  // Dead letters and checkpoint records out.
  auto made = make_producer(p, s, env);
  if (!made) return made.err();
  c.producer = std::move(*made);
  if (k.share_decisions) {
    auto handoff = partition_handoff_of(p, s, *properties, c.positions, c.producer);
    if (!handoff) return handoff.err();
    c.handoff = std::move(*handoff);
  }
  // Each partition resumes where the restored checkpoint left it, not where
  // Kafka's committed offset (which lags the checkpoint) says.
  if (p.restored)
    for (const auto& pos : p.restored->positions)
      (*c.positions)[{pos.topic, pos.partition}] = pos.offset;

  kafka::consumer_options consumer;
  consumer.brokers = p.bootstrap;
  consumer.group_id = k.group_id;
  consumer.client_id = k.client_id;
  consumer.properties = *properties;
  consumer.properties["session.timeout.ms"] = std::to_string(k.session_timeout_ms);
  for (const auto& [topic, kind] : c.topics)
    consumer.topics.push_back(topic);
  if (c.handoff) {
    consumer.start_offset = [handoff = c.handoff](const std::string& topic, int partition) {
      return handoff->start_offset(topic, partition);
    };
    consumer.before_assign = [handoff = c.handoff] { handoff->assigning(); };
    consumer.on_revoke = [handoff = c.handoff](const auto& partitions, bool lost) {
      handoff->revoked(partitions, lost);
    };
  } else {
    consumer.start_offset = [positions = c.positions](const std::string& topic,
                                                      int partition) -> std::optional<long long> {
      auto it = positions->find({topic, partition});
      if (it == positions->end()) return std::nullopt;
      return it->second;
    };
  }
  auto created = kafka::consumer::create(std::move(consumer));
  if (!created) return created.err();
  c.consumer = std::move(*created);

  c.dlq_topic = k.topic_dlq;
  c.limits = parse_limits_of(s);
  c.batch_max = static_cast<std::size_t>(s.collector.batch_max);
  c.poll_timeout = std::chrono::milliseconds(s.collector.poll_timeout_ms);
  c.high_watermark = s.collector.high_watermark;
  c.low_watermark = s.collector.low_watermark;
  return c;
}

// This process among the instances: host, process id and start time, so a
// restarted instance's call ids never repeat its last life's.
std::string instance_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(wall_clock_ms());
}

// The decision exchange of an instance that shares decisions: a member of
// `<group_id>.deciders` on the decisions topic, and its follower.
result<decision_exchange_config> decision_exchange_of(const daemon::parts& p, const settings& s,
                                                      const env_lookup& env) {
  auto properties = resolve_properties(s.kafka.properties, env);
  if (!properties) return properties.err();
  decision_exchange_config x;
  x.brokers = p.bootstrap;
  x.properties = *properties;
  // A fetch that finds nothing new waits at the broker at most this long
  // (librdkafka's default, 500 ms, would be how late a decision can be).
  x.properties.emplace("fetch.wait.max.ms", "50");
  x.topic = s.kafka.topic_decisions;
  x.reports_topic = s.kafka.topic_cluster;
  x.stale_after = std::chrono::milliseconds(s.kafka.session_timeout_ms);
  kafka::consumer_options membership;
  membership.brokers = p.bootstrap;
  membership.group_id = s.kafka.group_id + ".deciders";
  membership.client_id = s.kafka.client_id;
  membership.topics = {s.kafka.topic_decisions};
  membership.properties = *properties;
  membership.properties["session.timeout.ms"] = std::to_string(s.kafka.session_timeout_ms);
  // A survivor hears of the rebalance at its next heartbeat: at a tenth of
  // the session timeout, a takeover comes that much after the timeout.
  membership.properties.emplace("heartbeat.interval.ms",
                                std::to_string(std::max(100, s.kafka.session_timeout_ms / 10)));
  x.group_id = membership.group_id;
  auto member = kafka::consumer::create(std::move(membership));
  if (!member) return member.err();
  x.membership = std::move(*member);
  return x;
}

status spawn_actors(daemon::parts& p, const settings& s, const env_lookup& env) {
  // First: when the group shares checkpoints, it names the one to restore.
  auto collector = make_collector_config(p, s, env);
  if (!collector) return collector.err();
  p.actor_config = std::make_unique<caf::actor_system_config>();
  p.actor_config->set("scheduler.max-threads", 2);
  // An idle worker polls its queue a hundred times, then sleeps on a
  // condition variable that an enqueue signals. CAF's default puts 500
  // polls 50 us apart in between: a worker woken by one message then wakes
  // 20,000 times a second for 25 ms, which under steady traffic cost more
  // CPU than the requests themselves (llmopt bench gateway: 95 -> 3 us per
  // request).
  p.actor_config->set("work-stealing.moderate-poll-attempts", 0);
  p.actor_config->set("logger.console", caf::atom("none"));
  p.system = std::make_unique<caf::actor_system>(*p.actor_config);
  auto& sys = *p.system;

  p.store = sys.spawn<caf::detached>(store_actor, p.db);
  aggregator_actor_config agg;
  agg.intake = intake_options_of(s);
  agg.catalog = catalog_of(s);
  agg.restore_from = p.restored;
  agg.checkpoint_interval = std::chrono::milliseconds(s.checkpoint.interval_ms);
  agg.store = p.store;
  p.aggregator = sys.spawn(aggregator_actor, std::move(agg));

  p.router =
      sys.spawn(router_actor, router_config{p.snapshot, [service_manager = p.service_manager] {
                                              tell(service_manager, "READY=1\nSTATUS=ready");
                                            }});

  auto last_id = decision_log(*p.db).last_id();
  if (!last_id) return last_id.err();
  auto engine_ptr =
      std::make_shared<decision_engine>(engine_options_of(s), s.routes, catalog_of(s), *last_id);
  // Decisions and calls out: a producer apart from the collector's, whose
  // flush and failure count vouch for its dead letters alone.
  auto publisher = make_producer(p, s, env);
  if (!publisher) return publisher.err();

  const std::string instance = instance_name();
  const bool sharing = s.kafka.share_decisions;
  if (sharing) engine_ptr->share(1, {});  // nothing, until the deciders' group says
  decision_actor_config dc;
  dc.tick = std::chrono::milliseconds(s.decision.tick_ms);
  dc.aggregator = p.aggregator;
  dc.store = p.store;
  dc.router = p.router;
  dc.publish = [producer = *publisher, topic = s.kafka.topic_decisions](
                   const decision& d, std::optional<int> partition) {
    // Not sent (the local queue full): the decision holds here and is in the
    // store; the route's next decision is published.
    if (auto sent = producer->produce(topic, d.route, decision_message(d), {}, partition); !sent)
      spdlog::warn("decision {} not published on {}: {}", d.id, topic, sent.err().detail);
    producer->poll();
  };
  std::map<model_key, quality_posterior> priors;
  for (const auto& m : catalog_of(s))
    priors[m.id] =
        quality_posterior::from_prior(m.quality_prior, s.decision.quality_prior_strength);
  if (sharing) {
    dc.instance = instance;
    dc.priors = priors;
    dc.stale_after_ms = s.kafka.session_timeout_ms;
  }
  p.decision = sys.spawn(decision_actor, engine_ptr, dc);

  std::optional<call_reports::sharing> shared_calls;
  if (s.kafka.publish_calls)
    shared_calls = call_reports::sharing{*publisher, s.kafka.topic_calls, instance};
  collector->aggregator = p.aggregator;
  collector->router = p.router;
  if (collector->handoff) collector->handoff->connect(sys, p.aggregator, *collector->consumer);
  p.collector = sys.spawn<caf::detached>(collector_actor, std::move(*collector));
  caf::anon_send(p.aggregator, peers_atom::value, p.decision, p.collector);
  if (sharing) {
    auto exchange = decision_exchange_of(p, s, env);
    if (!exchange) return exchange.err();
    exchange->instance = instance;
    exchange->producer = *publisher;
    exchange->priors = std::move(priors);
    exchange->decision = p.decision;
    exchange->aggregator = p.aggregator;
    exchange->collector = p.collector;
    p.exchange = sys.spawn<caf::detached>(decision_exchange_actor, std::move(*exchange));
  }
  p.restored.reset();

  p.reports = std::make_unique<call_reports>(*p.curl, p.router, p.aggregator, p.store,
                                             std::chrono::milliseconds(report_interval_ms),
                                             std::move(shared_calls));
  p.guard =
      std::make_unique<spend_guard>(spend_guard_options_of(s), p.spent,
                                    [reports = p.reports.get()](std::vector<spend_entry> billed) {
                                      reports->billed(std::move(billed));
                                    });
  if (!s.budgets.redis.empty()) {
    auto address = redis_address::parse(s.budgets.redis);
    if (!address) return error{"startup", "budgets.redis: not host:port"};  // checked by the config
    address->timeout_ms = s.budgets.redis_timeout_ms;
    p.ledger = std::make_unique<shared_ledger>(shared_ledger::options{*address}, *p.guard, *p.curl,
                                               p.metrics.get());
    spdlog::info("budgets and key limits are shared through Redis at {}:{}", address->host,
                 address->port);
  }
  return ok_status();
}

// The API keys as the gateway reads them: loaded once now, then watched
// every 250 ms (a revoke made by `llmopt keys` holds within a second).
status start_keys(daemon::parts& p, const settings& s) {
  auto db = open_store(s.store_path(), open_mode::read_only);
  if (!db) return db.err();
  auto source = std::make_shared<key_source>(std::move(*db));
  if (auto st = source->refresh(*p.keys); !st) return st;
  p.key_watch = p.system->spawn<caf::detached>(key_watch_actor, source, p.keys,
                                               std::chrono::milliseconds(250));
  if (!s.auth.required)
    spdlog::warn("auth.required = false: requests without an API key are served");
  return ok_status();
}

// A reload's preparation (config_actor.hpp), on the config actor's thread:
// the new catalog and simulators are built aside; the commit then swaps
// the catalog whole (a request keeps the one it started with), hands the
// loop thread its new limits and budgets, declares the models to the
// aggregator and gives the engine its routes, which decides at once.
config_preparer preparer_of(daemon::parts& p, env_lookup env) {
  return [&p, env](const settings& next, const config_changes& changes) -> result<config_commit> {
    std::vector<std::unique_ptr<provider_sim>> started;
    auto catalog = build_catalog(p, next, env, p.catalog->current().get(), changes, started);
    if (!catalog) return catalog.err();
    auto built = std::make_shared<serving_catalog>(std::move(*catalog));
    auto sims = std::make_shared<std::vector<std::unique_ptr<provider_sim>>>(std::move(started));
    return config_commit{[&p, next, built, sims](const applied_config& applied) {
      for (auto& sim : *sims)
        p.sims.push_back(std::move(sim));
      auto* upstream = p.upstream.get();
      auto* guard = p.guard.get();
      p.curl->post([upstream, guard, limits = upstream_options_of(next),
                    budgets = spend_guard_options_of(next)] {
        upstream->reconfigure(limits);
        guard->reconfigure(budgets);
      });
      p.catalog->replace(*built);
      caf::anon_send(p.aggregator, declared_models{catalog_of(next)});
      caf::anon_send(p.decision,
                     engine_reconfig{engine_options_of(next), next.routes, catalog_of(next),
                                     applied.changes.routes,
                                     config_trigger(applied.snapshot_id, applied.source)});
    }};
  };
}

// The actor that changes the configuration of the running daemon, with a
// store connection of its own.
status start_config_actor(daemon::parts& p, const settings& s, const std::string& config_text,
                          const env_lookup& env) {
  auto db = open_store(s.store_path(), open_mode::read_write);
  if (!db) return db.err();
  config_actor_config c;
  c.running = s;
  c.running_text = config_text;
  if (s.source != "<built-in>") c.file = s.source;
  c.env = env;
  c.db = std::make_shared<database>(std::move(*db));
  c.prepare = preparer_of(p, env);
  c.clock = [] { return wall_clock_ms(); };
  p.config = p.system->spawn<caf::detached>(config_actor, std::move(c));
  return ok_status();
}

// The digest of the admin token, or none (the admin API open on loopback).
result<std::optional<sha256_digest>> admin_token_of(const settings& s, const env_lookup& env) {
  auto token = resolve_secret(s.admin.token, env);
  if (!token) return error{"startup", "admin.token: " + token.err().detail};
  if (token->empty() && !s.admin.token.empty())
    return error{"startup", "admin.token: the environment variable it names is empty"};
  if (token->empty()) {
    spdlog::warn(
        "admin.token is not set: the admin API (/admin/) is open to anyone on this "
        "machine (loopback only)");
    return std::optional<sha256_digest>{};
  }
  return std::optional<sha256_digest>{sha256_of(*token)};
}

}  // namespace

daemon::daemon(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

daemon::~daemon() {
  stop();
}

result<std::unique_ptr<daemon>> daemon::start(const settings& s, const std::string& config_text,
                                              const env_lookup& env) {
  if (auto st = check_exposure(s); !st) return st.err();
  auto admin_token = admin_token_of(s, env);
  if (!admin_token) return admin_token.err();
  std::error_code ec;
  std::filesystem::create_directories(s.state_dir, ec);
  if (ec) return error{"startup", "cannot create state_dir " + s.state_dir + ": " + ec.message()};
  auto p = std::make_unique<parts>();
  std::unique_ptr<daemon> d{new daemon(std::move(p))};
  auto& parts = *d->parts_;
  parts.service_manager = open_service_manager(env);
  if (auto st = start_store(parts, s, config_text); !st) return st.err();
  if (auto st = start_kafka(parts, s); !st) return st.err();
  if (auto st = start_providers(parts, s, env); !st) return st.err();
  if (auto st = spawn_actors(parts, s, env); !st) return st.err();
  if (auto st = start_keys(parts, s); !st) return st.err();
  if (auto st = start_config_actor(parts, s, config_text, env); !st) return st.err();
  parts.upstream->on_breaker_change(
      [decision = parts.decision](const model_key& model, circuit_breaker::state state, long long) {
        caf::anon_send(decision, breaker_change{model, state == circuit_breaker::state::closed,
                                                wall_clock_ms()});
      });
  parts.cache = std::make_unique<answer_cache>(cache_options_of(s), *parts.curl);

  gateway_options g;
  g.server.listen = s.http.listen;
  g.server.threads = s.http.threads;
  g.server.context = parts.io.get();
  g.server.max_body_bytes = static_cast<std::size_t>(s.http.max_body_bytes);
  g.max_json_depth = static_cast<std::size_t>(s.http.max_json_depth);
  g.auth_required = s.auth.required;
  g.admin_token = *admin_token;
  auto http = gateway::start(
      std::move(g),
      {parts.catalog, parts.snapshot, parts.keys, parts.curl.get(), parts.router, parts.aggregator,
       parts.collector, parts.decision, parts.config, parts.guard.get(), parts.ledger.get(),
       parts.upstream.get(), parts.cache.get(), parts.reports.get(), parts.metrics.get(),
       parts.store, parts.exchange});
  if (!http) return http.err();
  parts.http = std::move(*http);
  // For the CLI's commands that ask the running daemon (llmopt routes, ...),
  // as http.listen may name port 0.
  std::ofstream(s.state_dir + "/http.address", std::ios::trunc)
      << "http://" << parts.http->address() << "\n";
  if (parts.exchange)
    caf::anon_send(parts.exchange, address_atom::value, "http://" + parts.http->address());
  std::printf("llmopt: gateway listening on http://%s\n", parts.http->address().c_str());
  std::fflush(stdout);
  return d;
}

void daemon::reload_file() {
  if (parts_->config) caf::anon_send(parts_->config, config_reread{});
}

std::string daemon::gateway_address() const {
  return parts_->http ? parts_->http->address() : std::string{};
}

void daemon::stop() {
  auto& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  tell(p.service_manager, "STOPPING=1\nSTATUS=shutting down");
  if (p.http) p.http->stop();
  p.http.reset();  // it holds handles to the actors
  // A reload commits to the loop, the guards and the simulators: the config
  // actor ends before them.
  if (p.system && p.config) {
    caf::scoped_actor self{*p.system};
    self->send_exit(p.config, caf::exit_reason::user_shutdown);
    self->wait_for(p.config);
    p.config = nullptr;
  }
  // Calls still in flight complete (with an error) while the actors live,
  // so their outcomes and billed costs still reach them, and before the
  // catalog goes: the exchanges they complete refer to its provider clients.
  // The cache's Redis thread posts to the loop: it stops first; the cache
  // goes after the loop, whose last exchanges still report to it.
  if (p.cache) p.cache->stop();
  if (p.ledger) p.ledger->stop();
  p.curl.reset();
  p.cache.reset();
  p.io.reset();  // after everything bound to it
  p.ledger.reset();
  p.guard.reset();
  // The loop has stopped: what its last calls reported goes now, and the
  // handles to the actors with it (the store's thread ends only without them).
  if (p.reports) p.reports->flush();
  p.reports.reset();
  p.upstream.reset();  // ... and it one to the decision actor
  if (p.system) {
    caf::scoped_actor self{*p.system};
    // The ledger has every billed call sent before this.
    if (p.store)
      self->request(p.store, std::chrono::seconds(30), spend_batch{})
          .receive([](bool) {},
                   [](caf::error& e) {
                     spdlog::warn("shutdown: spend ledger not flushed: {}", caf::to_string(e));
                   });
    // Stop taking in signals, let what is in flight be applied, checkpoint it
    // (which also commits its offsets to Kafka), then let the actors go,
    // the collector first: closing its consumer commits once more.
    const auto grace = std::chrono::seconds(30);
    if (p.collector)
      self->request(p.collector, grace, drain_atom::value)
          .receive([](bool) {},
                   [](caf::error& e) {
                     spdlog::warn("shutdown: collector not drained: {}", caf::to_string(e));
                   });
    if (p.aggregator)
      self->request(p.aggregator, grace, checkpoint_atom::value)
          .receive(
              [](bool saved) {
                if (!saved) spdlog::warn("shutdown: no final checkpoint");
              },
              [](caf::error& e) {
                spdlog::warn("shutdown: no final checkpoint: {}", caf::to_string(e));
              });
    for (auto* a : {&p.key_watch, &p.exchange, &p.collector, &p.decision, &p.router, &p.aggregator,
                    &p.store}) {
      if (!*a) continue;
      self->send_exit(*a, caf::exit_reason::user_shutdown);
      self->wait_for(*a);
      // A detached actor's thread ends only when its last handle is gone.
      *a = nullptr;
    }
  }
  p.catalog.reset();
  p.system.reset();
  p.sims.clear();
  p.db.reset();
  p.broker.reset();
  spdlog::info("llmopt stopped");
}

}  // namespace llmopt
