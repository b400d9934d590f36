#include "actors/decision_exchange.hpp"

#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/supervision.hpp"
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

void start_following(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  const auto now = std::chrono::steady_clock::now();
  if (st.follower || now < st.retry_at) return;
  auto made = kafka::topic_follower::create(config.brokers, config.properties, config.topic,
                                            std::chrono::seconds(5));
  if (!made) {
    st.retry_at = now + config.retry_after;
    if (st.error_log.admit(now))
      spdlog::warn("decision exchange: cannot follow {}: {}", config.topic, made.err().detail);
    return;
  }
  st.follower = std::move(*made);
  spdlog::info("decision exchange: following {} ({} partitions)", config.topic,
               st.follower->partitions());
}

void read_decisions(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  auto records = st.follower->poll(256, config.poll_timeout);
  followed_decisions batch;
  for (const auto& r : records) {
    if (!r.value) continue;  // a tombstone
    auto d = read_decision_message(*r.value);
    if (!d) {
      ++st.unreadable;
      if (st.error_log.admit(std::chrono::steady_clock::now()))
        spdlog::warn("decision exchange: {} partition {} offset {} is not a decision ({}{}): {}",
                     config.topic, r.partition, r.offset, d.err().code,
                     d.err().field.empty() ? "" : ", " + d.err().field, d.err().detail);
      continue;
    }
    batch.decisions.push_back(std::move(*d));
  }
  st.followed += static_cast<long long>(batch.decisions.size());
  if (!batch.decisions.empty()) self->send(config.decision, std::move(batch));
}

// The partitions the deciders' group assigns this instance, once the topic
// is read to where it stood at start.
void report_decided(self_ptr self, const decision_exchange_config& config) {
  auto& st = self->state;
  (void)st.membership->poll_batch(16, std::chrono::milliseconds(0));  // serves rebalances
  if (!st.follower || !st.follower->caught_up()) return;
  std::set<int> decided;
  for (const auto& [topic, partition] : st.membership->assignment())
    if (topic == config.topic) decided.insert(partition);
  if (st.told && decided == st.decided) return;
  spdlog::info("decision exchange: deciding partitions {} of {} ({})", listed(decided),
               config.topic, st.follower->partitions());
  st.told = true;
  st.decided = decided;
  self->send(config.decision, decided_partitions{st.follower->partitions(), std::move(decided)});
}

}  // namespace

caf::behavior decision_exchange_actor(caf::stateful_actor<decision_exchange_state>* self,
                                      decision_exchange_config config) {
  log_surprises(self, "decision exchange");
  auto& st = self->state;
  auto membership = kafka::consumer::create(config.membership);
  if (!membership) {
    spdlog::error("decision exchange: cannot join {}: {}", config.membership.group_id,
                  membership.err().detail);
    self->quit(caf::sec::runtime_error);
    return {};
  }
  st.membership = std::move(*membership);
  if (auto paused = st.membership->pause_all(); !paused)
    spdlog::warn("decision exchange: cannot pause {}: {}", config.topic, paused.err().detail);
  self->send(self, poll_atom::value);
  return {
      [=](poll_atom) {
        start_following(self, config);
        if (self->state.follower) read_decisions(self, config);
        report_decided(self, config);
        // The follower's poll waited for news; without one, wait here.
        if (self->state.follower)
          self->send(self, poll_atom::value);
        else
          self->delayed_send(self, config.poll_timeout, poll_atom::value);
      },
  };
}

}  // namespace llmopt
