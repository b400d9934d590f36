#include "actors/decision_exchange.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/supervision.hpp"
#include "actors/wall_clock.hpp"
#include "decision/decision_record.hpp"

namespace llmopt {
namespace {

using self_ptr = caf::stateful_actor<decision_exchange_state>*;

std::string listed(const std::set<int>& partitions) {
  std::string out;
  for (int p : partitions)
    out += (out.empty() ? "" : ",") + std::to_string(p);
  return out.empty() ? "none" : out;
}

void unreadable(self_ptr self, const std::string& topic, const kafka::topic_record& r,
                const error& e) {
  ++self->state.unreadable;
  if (self->state.error_log.admit(std::chrono::steady_clock::now()))
    spdlog::warn("decision exchange: {} partition {} offset {} unreadable ({}{}): {}", topic,
                 r.partition, r.offset, e.code, e.field.empty() ? "" : ", " + e.field, e.detail);
}

void start_following(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  const auto now = std::chrono::steady_clock::now();
  if ((st.follower && st.reports) || now < st.retry_at) return;
  for (auto [follower, topic] :
       {std::pair{&st.follower, &config.topic}, std::pair{&st.reports, &config.reports_topic}}) {
    if (*follower) continue;
    auto made = kafka::topic_follower::create(config.brokers, config.properties, *topic,
                                              std::chrono::seconds(5));
    if (!made) {
      st.retry_at = now + config.retry_after;
      if (st.error_log.admit(now))
        spdlog::warn("decision exchange: cannot follow {}: {}", *topic, made.err().detail);
      return;
    }
    *follower = std::move(*made);
    spdlog::info("decision exchange: following {} ({} partitions)", *topic,
                 (*follower)->partitions());
  }
}

void read_decisions(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  followed_decisions batch;
  for (const auto& r : st.follower->poll(256, config.poll_timeout)) {
    if (!r.value) continue;  // a tombstone
    auto d = read_decision_message(*r.value);
    if (!d) {
      unreadable(self, config.topic, r, d.err());
      continue;
    }
    batch.decisions.push_back(std::move(*d));
  }
  st.followed += static_cast<long long>(batch.decisions.size());
  if (!batch.decisions.empty()) self->send(config.decision, std::move(batch));
}

void read_reports(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  for (const auto& r : st.reports->poll(64, std::chrono::milliseconds(0))) {
    if (!r.value) {
      // A tombstone: the instance stopped. Its views count no longer (a
      // report of nothing, received never, is left out and dropped).
      if (r.key && *r.key != config.instance) {
        st.by_instance.erase(*r.key);
        instance_report gone;
        gone.instance = *r.key;
        self->send(config.decision, peer_report{std::move(gone)});
      }
      continue;
    }
    auto report = read_report_message(*r.value);
    if (!report) {
      unreadable(self, config.reports_topic, r, report.err());
      continue;
    }
    // One key's records come in the order they were written: the last
    // one read is the newest, whatever its clock says.
    report->received = wall_clock_ms();
    st.by_instance[report->instance] = *report;
    if (report->instance != config.instance)
      self->send(config.decision, peer_report{std::move(*report)});
  }
}

// The partitions the deciders' group assigns this instance, once the
// decisions topic is read to where it stood at start, and each partition
// newly assigned to where it stood then: a new decider goes on above the
// ids its predecessor made.
void report_decided(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  (void)st.membership->poll_batch(16, std::chrono::milliseconds(0));  // serves rebalances
  if (!st.follower) return;
  std::set<int> assigned;
  for (const auto& [topic, partition] : st.membership->assignment())
    if (topic == config.topic) assigned.insert(partition);
  if (assigned != st.assigned) {
    std::set<int> added;
    for (int p : assigned)
      if (!st.decided.count(p)) added.insert(p);
    if (auto read = st.follower->expect_ends(added, std::chrono::seconds(2)); !read) {
      if (st.error_log.admit(std::chrono::steady_clock::now()))
        spdlog::warn("decision exchange: {}", read.err().detail);
      return;  // asked again at the next poll
    }
    st.assigned = assigned;
  }
  if (!st.follower->caught_up()) return;
  const std::set<int> decided = st.assigned;
  if (st.told && decided == st.decided) return;
  spdlog::info("decision exchange: deciding partitions {} of {} ({})", listed(decided),
               config.topic, st.follower->partitions());
  st.told = true;
  st.decided = decided;
  self->send(config.decision, decided_partitions{st.follower->partitions(), std::move(decided)});
}

// This instance's report, from the collector's partitions (as last asked),
// the routes it decides and its aggregator's views.
void publish_report(self_ptr self, const decision_exchange_config& config) {
  if (self->state.reporting) return;  // the last one is still being put together
  self->state.reporting = true;
  self->send(config.collector, pipeline_query{[self_handle = caf::actor(self)](nlohmann::json c) {
               consumed_partitions consumed;
               for (const auto& p : c.value("lag", nlohmann::json::array())) {
                 instance_report::partition_lag l{
                     p.value("topic", std::string{}), p.value("partition", 0), {}};
                 if (auto lag = p.find("messages"); lag != p.end() && lag->is_number_integer())
                   l.lag = lag->get<long long>();
                 consumed.partitions.push_back(std::move(l));
               }
               caf::anon_send(self_handle, std::move(consumed));
             }});
  self->request(config.decision, caf::infinite, decided_atom::value)
      .then(
          [=](const std::vector<std::string>& routes) {
            self->request(config.aggregator, caf::infinite, views_atom::value)
                .then(
                    [=](const model_views& views) {
                      auto& st = self->state;
                      instance_report r;
                      r.instance = config.instance;
                      r.at = wall_clock_ms();
                      r.url = st.url;
                      r.signal_partitions = st.signal_partitions;
                      r.decision_partitions = st.follower ? st.follower->partitions() : 0;
                      r.decided = st.decided;
                      r.routes = routes;
                      for (const auto& [model, view] : *views)
                        if (auto prior = config.priors.find(model); prior != config.priors.end())
                          r.models.push_back(peer_view_of(view, prior->second));
                      if (auto sent = config.producer->produce(config.reports_topic,
                                                               config.instance, report_message(r));
                          !sent && st.error_log.admit(std::chrono::steady_clock::now()))
                        spdlog::warn("decision exchange: report not published: {}",
                                     sent.err().detail);
                      config.producer->poll();
                      st.reporting = false;
                    },
                    [=](const caf::error&) { self->state.reporting = false; });
          },
          [=](const caf::error&) { self->state.reporting = false; });
}

// Instances silent this many times the session timeout are forgotten (each
// start of an instance is a new name).
constexpr long long forgotten_after_stale = 10;

void forget_silent(self_ptr self, const decision_exchange_config& config, time_ms now) {
  auto& reports = self->state.by_instance;
  const time_ms forgotten = forgotten_after_stale * config.stale_after.count();
  for (auto it = reports.begin(); it != reports.end();)
    it = now - it->second.received > forgotten ? reports.erase(it) : std::next(it);
}

nlohmann::json cluster_json(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  const time_ms now = wall_clock_ms();
  const time_ms stale = config.stale_after.count();
  forget_silent(self, config, now);
  auto instances = nlohmann::json::array();
  auto gone = nlohmann::json::array();
  nlohmann::json routes = nlohmann::json::object();
  for (const auto& [name, r] : st.by_instance) {
    if (now - r.received > stale) {
      gone.push_back(report_summary(r, now));
      continue;
    }
    instances.push_back(report_summary(r, now));
    for (const auto& route : r.routes)
      routes[route] = name;
  }
  return {{"instance", config.instance},       {"decisions_topic", config.topic},
          {"group", config.group_id},          {"instances", std::move(instances)},
          {"deciders", std::move(routes)},     {"silent", std::move(gone)},
          {"followed_decisions", st.followed}, {"unreadable_records", st.unreadable}};
}

}  // namespace

caf::behavior decision_exchange_actor(caf::stateful_actor<decision_exchange_state>* self,
                                      decision_exchange_config config) {
  log_surprises(self, "decision exchange");
  auto& st = self->state;
  st.membership = std::move(config.membership);
  if (auto paused = st.membership->pause_all(); !paused)
    spdlog::warn("decision exchange: cannot pause {}: {}", config.topic, paused.err().detail);
  // Stopping, it leaves a tombstone for its report: the others stop
  // counting its views at once, and compaction drops its record.
  self->attach_functor([producer = config.producer, topic = config.reports_topic,
                        instance = config.instance](const caf::error&) {
    if (producer->produce(topic, instance, std::nullopt))
      (void)producer->flush(std::chrono::seconds(1));
  });
  self->send(self, poll_atom::value);
  self->send(self, report_atom::value);
  return {
      [=](poll_atom) {
        start_following(self, config);
        if (self->state.reports) read_reports(self, config);
        if (self->state.follower) read_decisions(self, config);
        report_decided(self, config);
        // The follower's poll waited for news; without one, wait here.
        if (self->state.follower)
          self->send(self, poll_atom::value);
        else
          self->delayed_send(self, config.poll_timeout, poll_atom::value);
      },
      [=](report_atom) {
        forget_silent(self, config, wall_clock_ms());
        publish_report(self, config);
        self->delayed_send(self, config.report_interval, report_atom::value);
      },
      [=](consumed_partitions& consumed) {
        self->state.signal_partitions = std::move(consumed.partitions);
      },
      [=](address_atom, std::string& url) { self->state.url = std::move(url); },
      [=](const cluster_query& q) { q.done(cluster_json(self, config)); },
  };
}

}  // namespace llmopt
