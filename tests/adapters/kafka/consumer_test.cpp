#include "adapters/kafka/consumer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "adapters/kafka/embedded_broker.hpp"
#include "adapters/kafka/producer.hpp"
#include "tests/adapters/kafka/kafka_test_support.hpp"

namespace llmopt::kafka {
namespace {

using namespace std::chrono_literals;
using test::consume;
using test::kcat;

using row = std::tuple<int, long long, std::string, std::string>;  // partition, offset, key, value

embedded_broker* broker_with(const std::string& topic, int partitions) {
  auto& b = test::shared_broker();
  REQUIRE(b.create_topic(topic, partitions).ok());
  return &b;
}

std::unique_ptr<consumer> member_of(const embedded_broker& b, const std::string& group,
                                    const std::string& topic, property_map properties = {}) {
  auto options = test::group_options(b.bootstrap(), group, {topic});
  options.properties = std::move(properties);
  auto c = consumer::create(std::move(options));
  REQUIRE(c.ok());
  return std::move(*c);
}

std::unique_ptr<producer> producer_for(const embedded_broker& b) {
  auto p = producer::create({b.bootstrap(), "test-producer", {}});
  REQUIRE(p.ok());
  return std::move(*p);
}

void produce_numbered(producer& p, const std::string& topic, int from, int to) {
  for (int i = from; i < to; ++i) {
    REQUIRE(p.produce(topic, "key-" + std::to_string(i), "value-" + std::to_string(i)).ok());
  }
  REQUIRE(p.flush(5s).ok());
}

TEST_CASE("consumer in a group receives every message kcat produced, as kcat reads them",
          "[kafka]") {
  auto broker = broker_with("llm.signals.latency", 3);
  auto c = member_of(*broker, "collectors", "llm.signals.latency");

  // The topic is empty, so polling until assigned takes no messages.
  auto first_assignment = test::await_assignment(*c, 15s);
  REQUIRE(first_assignment);
  CAPTURE(first_assignment->count());  // ~3 s: the mock's initial rebalance delay
  CHECK(c->assignment().size() == 3);

  std::string input;
  for (int i = 0; i < 40; ++i)
    input += "model-" + std::to_string(i % 7) + ":signal-" + std::to_string(i) + "\n";
  auto produced = kcat(broker->bootstrap(), {"-P", "-t", "llm.signals.latency", "-K", ":"}, input);
  REQUIRE(produced.exit_code == 0);

  auto got = consume(*c, 40, 10s);
  REQUIRE(got.size() == 40);

  // What kcat itself reads back is the ground truth for partition and offset.
  auto listed = kcat(broker->bootstrap(),
                     {"-C", "-t", "llm.signals.latency", "-e", "-q", "-f", "%p|%o|%k|%s\\n"});
  REQUIRE(listed.exit_code == 0);
  std::set<row> expected;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string p, o, k, v;
    std::getline(fields, p, '|');
    std::getline(fields, o, '|');
    std::getline(fields, k, '|');
    std::getline(fields, v);
    expected.emplace(std::stoi(p), std::stoll(o), k, v);
  }
  REQUIRE(expected.size() == 40);

  std::set<row> actual;
  for (const auto& m : got) {
    CHECK(m.topic == "llm.signals.latency");
    REQUIRE(m.key);
    actual.emplace(m.partition, m.offset, *m.key, m.value);
  }
  CHECK(actual == expected);
}

TEST_CASE("lag is what the partition holds past the next message poll_batch returns",
          "[kafka]") {
  auto broker = broker_with("llm.lag.test", 1);
  auto c = member_of(*broker, "lag-readers", "llm.lag.test");
  REQUIRE(test::await_assignment(*c, 15s));
  auto p = producer_for(*broker);
  produce_numbered(*p, "llm.lag.test", 0, 10);
  std::size_t taken = 0;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (taken < 4 && std::chrono::steady_clock::now() < until)
    taken += c->poll_batch(4 - taken, 200ms).size();
  REQUIRE(taken == 4);
  auto lag = c->lag();
  REQUIRE(lag.size() == 1);
  CHECK(lag[0].topic == "llm.lag.test");
  CHECK(lag[0].partition == 0);
  REQUIRE(lag[0].messages);
  CHECK(*lag[0].messages == 6);
}

TEST_CASE("a new group member resumes exactly after the offsets the previous one stored",
          "[kafka]") {
  auto broker = broker_with("llm.signals.cost", 2);
  auto p = producer_for(*broker);
  produce_numbered(*p, "llm.signals.cost", 0, 20);
  // After a member leaves, the mock cluster waits session.timeout.ms - 1 s
  // for the others to rejoin before a newcomer's join completes; a short
  // session keeps that wait at 3 s (it must exceed the 3 s first join).
  const property_map quick_rejoin{{"session.timeout.ms", "4000"},
                                  {"heartbeat.interval.ms", "1000"}};

  // Member A handles everything but stores only the first half of each
  // partition, as if it crashed while the rest was in flight.
  std::map<int, long long> stored_until;  // partition -> first offset not stored
  std::set<std::string> second_half;
  {
    auto a = member_of(*broker, "cost-collectors", "llm.signals.cost", quick_rejoin);
    std::vector<topic_partition_offset> positions;
    auto got = consume(*a, 20, 15s, &positions);
    REQUIRE(got.size() == 20);
    std::map<int, long long> count;
    for (const auto& m : got)
      ++count[m.partition];
    std::vector<topic_partition_offset> to_store;
    for (const auto& [partition, n] : count) {
      stored_until[partition] = n / 2;
      to_store.push_back({"llm.signals.cost", partition, n / 2});
    }
    for (const auto& m : got) {
      if (m.offset >= stored_until[m.partition]) second_half.insert(m.value);
    }
    REQUIRE(a->store_offsets(to_store).ok());
    REQUIRE(a->commit_sync().ok());
    a->close();
    a->close();  // idempotent
  }

  auto b = member_of(*broker, "cost-collectors", "llm.signals.cost", quick_rejoin);
  auto got = consume(*b, second_half.size(), 15s);
  REQUIRE(got.size() == second_half.size());
  std::set<std::string> values;
  for (const auto& m : got) {
    CHECK(m.offset >= stored_until[m.partition]);
    values.insert(m.value);
  }
  CHECK(values == second_half);
  CHECK(b->poll_batch(10, 300ms).empty());  // and nothing of the first half after them
}

// What a consumer's start_offset callback was asked, and what it answers.
struct start_offsets {
  std::map<std::string, long long> answers;  // topic -> start; nullopt for the others
  std::vector<std::string> asked;            // "topic[partition]", one per call
  bool asked_on_another_thread = false;
};

struct member {
  std::unique_ptr<consumer> c;
  std::shared_ptr<start_offsets> starts = std::make_shared<start_offsets>();
  std::map<std::string, std::vector<long long>> offsets;  // received, per topic
  int count() const {
    std::size_t n = 0;
    for (const auto& [topic, list] : offsets)
      n += list.size();
    return static_cast<int>(n);
  }
};

member join(const embedded_broker& b, const std::string& group, const std::string& name,
            const std::vector<std::string>& topics, property_map properties) {
  member m;
  auto options = test::group_options(b.bootstrap(), group, topics);
  options.client_id = name;
  options.properties = std::move(properties);
  options.start_offset = [starts = m.starts, caller = std::this_thread::get_id()](
                             const std::string& topic, int partition) -> std::optional<long long> {
    starts->asked.push_back(topic + "[" + std::to_string(partition) + "]");
    if (std::this_thread::get_id() != caller) starts->asked_on_another_thread = true;
    auto it = starts->answers.find(topic);
    if (it == starts->answers.end()) return std::nullopt;
    return it->second;
  };
  auto c = consumer::create(std::move(options));
  REQUIRE(c.ok());
  m.c = std::move(*c);
  return m;
}

// Polls the members in turn, at most 4 messages at a time, until `done()`
// or `timeout`.
void poll_until(const std::vector<member*>& members, const std::function<bool()>& done,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    for (member* m : members) {
      auto batch = m->c->poll_batch(4, 10ms);
      CHECK(batch.size() <= 4);
      for (const auto& msg : batch)
        m->offsets[std::string(msg.topic())].push_back(msg.offset());
    }
  }
}

// The distinct offsets `members` received, per topic.
using offset_sets = std::map<std::string, std::set<long long>>;
offset_sets offsets_seen(const std::vector<member*>& members) {
  offset_sets out;
  for (const member* m : members)
    for (const auto& [topic, list] : m->offsets)
      out[topic].insert(list.begin(), list.end());
  return out;
}

// The offsets `m` received of `topic`: exactly from..to-1, in order.
void check_received(const member& m, const std::string& topic, long long from, long long to) {
  CAPTURE(topic, from, to);
  std::vector<long long> expected;
  for (long long o = from; o < to; ++o)
    expected.push_back(o);
  auto it = m.offsets.find(topic);
  REQUIRE(it != m.offsets.end());
  CHECK(it->second == expected);
}

TEST_CASE("start_offset picks where each assigned partition starts, over the committed offset",
          "[kafka]") {
  auto& b = test::shared_broker();
  const std::vector<std::string> topics{"resume.a", "resume.b", "resume.c"};
  auto p = producer_for(b);
  for (const auto& t : topics) {
    REQUIRE(b.create_topic(t, 1).ok());
    for (int i = 0; i < 8; ++i)
      REQUIRE(p->produce(t, std::nullopt, "value-" + std::to_string(i)).ok());
  }
  REQUIRE(p->flush(5s).ok());                   // once: each flush waits ~0.7 s for new topics
  REQUIRE(b.create_topic("resume.d", 1).ok());  // empty; read by the paused member only
  // Kafka's committed offsets lag: a at 2, b at 3, c none. The checkpoint
  // says a resumes at 5 and knows nothing of b and c.
  const std::vector<topic_partition_offset> committed{{"resume.a", 0, 2}, {"resume.b", 0, 3}};
  for (const auto* g : {"resume-cooperative", "resume-eager", "resume-paused"})
    REQUIRE(test::commit_offsets(b.bootstrap(), g, committed).ok());
  // The mock completes a rebalance session.timeout.ms - 1 s after a member
  // joins; 4 s is the shortest session that survives the 3 s first join.
  const property_map eager_group{{"partition.assignment.strategy", "roundrobin"},
                                 {"session.timeout.ms", "4000"},
                                 {"heartbeat.interval.ms", "500"}};
  auto cooperative = join(b, "resume-cooperative", "cooperative", topics, {});
  auto eager = join(b, "resume-eager", "eager", topics, eager_group);
  auto paused =
      join(b, "resume-paused", "paused", {"resume.a", "resume.b", "resume.c", "resume.d"}, {});
  for (member* m : {&cooperative, &eager, &paused})
    m->starts->answers = {{"resume.a", 5}};
  // Beyond the log's end (a topic created anew, say): auto.offset.reset
  // (earliest) applies, as for no answer.
  cooperative.starts->answers["resume.c"] = 100;
  REQUIRE(paused.c->pause_all().ok());  // before any assignment: applied when it arrives

  // All three join at once (~3 s).
  poll_until(
      {&cooperative, &eager, &paused},
      [&] { return cooperative.count() == 16 && eager.count() == 16 && paused.c->assigned(); },
      15s);
  for (member* m : {&cooperative, &eager}) {
    check_received(*m, "resume.a", 5, 8);
    check_received(*m, "resume.b", 3, 8);
    check_received(*m, "resume.c", 0, 8);
    CHECK(m->starts->asked.size() == 3);
  }
  CHECK(paused.count() == 0);

  // The paused member resumes; meanwhile a second member joins the eager
  // group, which revokes everything and assigns anew, asking the first member
  // again. The checkpoint has moved on: a resumes at 6, b at 4.
  REQUIRE(paused.c->resume_all().ok());
  auto second = join(b, "resume-eager", "eager-second", topics, eager_group);
  for (member* m : {&eager, &second})
    m->starts->answers = {{"resume.a", 6}, {"resume.b", 4}};
  eager.offsets.clear();
  // Every eager (re)assignment starts each partition at the answer again; the
  // mock may rebalance more than once, so offsets can repeat.
  const offset_sets later{
      {"resume.a", {6, 7}}, {"resume.b", {4, 5, 6, 7}}, {"resume.c", {0, 1, 2, 3, 4, 5, 6, 7}}};
  auto seen = [&] { return offsets_seen({&eager, &second}); };
  const std::vector<member*> all{&paused, &eager, &second};
  poll_until(
      all, [&] { return paused.count() == 16; }, 10s);
  check_received(paused, "resume.a", 5, 8);
  check_received(paused, "resume.b", 3, 8);
  check_received(paused, "resume.c", 0, 8);

  // While the eager group rebalances, the paused member pauses again: new
  // messages wait, and arrive exactly once after it resumes.
  REQUIRE(paused.c->pause_all().ok());
  produce_numbered(*p, "resume.d", 0, 4);
  poll_until(
      all, [] { return false; }, 200ms);
  CHECK(paused.count() == 16);
  REQUIRE(paused.c->resume_all().ok());
  poll_until(
      all, [&] { return paused.count() == 20 && seen() == later; }, 20s);
  poll_until(
      {&paused}, [] { return false; }, 200ms);
  check_received(paused, "resume.d", 0, 4);
  CHECK(eager.starts->asked.size() > 3);
  CHECK(seen() == later);

  for (member* m : {&cooperative, &eager, &paused, &second})
    CHECK_FALSE(m->starts->asked_on_another_thread);
}

TEST_CASE(
    "a member is told of partitions taken away before it lets them go, and asked before "
    "each assignment",
    "[kafka]") {
  auto& b = test::shared_broker();
  REQUIRE(b.create_topic("handoff.a", 4).ok());
  struct hooks {
    std::vector<std::string> events;  // "assign", "start:P", "revoke:P,P:lost|kept"
    std::set<int> assigned;           // as the member saw it when told of a revoke
  };
  auto member_with_hooks = [&](const std::string& name, std::shared_ptr<hooks> h, consumer** self) {
    auto options = test::group_options(b.bootstrap(), "handoff-group", {"handoff.a"});
    options.client_id = name;
    options.properties = {{"session.timeout.ms", "4000"}, {"heartbeat.interval.ms", "500"}};
    options.before_assign = [h] { h->events.push_back("assign"); };
    options.start_offset = [h](const std::string&, int partition) -> std::optional<long long> {
      h->events.push_back("start:" + std::to_string(partition));
      return std::nullopt;
    };
    options.on_revoke = [h, self](const std::vector<std::pair<std::string, int>>& partitions,
                                  bool lost) {
      std::string e = "revoke:";
      for (const auto& [topic, partition] : partitions)
        e += std::to_string(partition) + ",";
      h->events.push_back(e + (lost ? "lost" : "kept"));
      // Still assigned while the hook runs: offsets can be stored for them.
      for (const auto& [topic, partition] : (*self)->assignment())
        h->assigned.insert(partition);
    };
    auto c = consumer::create(std::move(options));
    REQUIRE(c.ok());
    *self = c->get();
    return std::move(*c);
  };
  auto first_hooks = std::make_shared<hooks>();
  auto second_hooks = std::make_shared<hooks>();
  consumer* first_self = nullptr;
  consumer* second_self = nullptr;
  auto first = member_with_hooks("first", first_hooks, &first_self);
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (!first->assigned() && std::chrono::steady_clock::now() < until)
    first->poll_batch(10, 50ms);
  REQUIRE(first->assigned());
  REQUIRE(first_hooks->events.size() == 5);
  CHECK(first_hooks->events[0] == "assign");  // once, before the four start offsets
  CHECK(first->revocations() == 0);

  auto second = member_with_hooks("second", second_hooks, &second_self);
  while (!second->assigned() && std::chrono::steady_clock::now() < until + 15s) {
    first->poll_batch(10, 20ms);
    second->poll_batch(10, 20ms);
  }
  REQUIRE(second->assigned());
  CHECK(first->revocations() >= 1);
  std::vector<std::string> revokes;
  for (const auto& e : first_hooks->events)
    if (e.rfind("revoke:", 0) == 0) revokes.push_back(e);
  INFO(first_hooks->events.size());
  REQUIRE_FALSE(revokes.empty());
  CHECK(revokes[0].find("kept") != std::string::npos);
  // What was taken from the first member was still its own when it was told.
  for (const auto& [topic, partition] : second->assignment())
    CHECK(first_hooks->assigned.count(partition) == 1);
  CHECK(second_hooks->events.front() == "assign");
}

TEST_CASE("closing gives up waiting for the group after the session timeout", "[kafka]") {
  // Its own broker, to delay the next LeaveGroup reply of all.
  auto b = embedded_broker::start();
  REQUIRE(b.ok());
  REQUIRE((*b)->create_topic("close.a", 2).ok());
  auto options = test::group_options((*b)->bootstrap(), "close-group", {"close.a"});
  std::vector<std::string> revoked;
  options.on_revoke = [&](const std::vector<std::pair<std::string, int>>& partitions, bool lost) {
    for (const auto& [topic, partition] : partitions)
      revoked.push_back(topic + "[" + std::to_string(partition) + "]" + (lost ? " lost" : ""));
  };
  options.properties = {{"session.timeout.ms", "4000"}, {"heartbeat.interval.ms", "500"}};
  auto c = consumer::create(std::move(options));
  REQUIRE(c.ok());
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (!(*c)->assigned() && std::chrono::steady_clock::now() < until)
    (*c)->poll_batch(10, 50ms);
  REQUIRE((*c)->assigned());

  // librdkafka waits 5 s for a LeaveGroup reply; this one comes after 20 s.
  REQUIRE((*b)->delay_next_reply(1, /* LeaveGroup */ 13, 20s).ok());
  const auto start = std::chrono::steady_clock::now();
  (*c)->close();
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took >= 3900ms);
  CHECK(took < 4900ms);
  REQUIRE((*c)->last_error());
  CHECK((*c)->last_error()->detail.find("not closed within the session timeout (4000 ms)") !=
        std::string::npos);
  // The partitions were let go (and their offsets committed) before the wait.
  CHECK(revoked == std::vector<std::string>{"close.a[0]", "close.a[1]"});
  CHECK_FALSE((*c)->assigned());
  // The client left behind still talks to the broker until its LeaveGroup
  // times out: the broker stays up for the rest of the process.
  (void)b->release();
}

TEST_CASE("consumer properties: an explicit property overrides the default", "[kafka]") {
  auto options = test::group_options("127.0.0.1:1", "g", {"t"});
  CHECK(consumer_properties(options).at("session.timeout.ms") == "10000");
  CHECK(consumer_properties(options).at("queued.min.messages") == "300000");
  options.properties = {{"session.timeout.ms", "45000"}, {"queued.min.messages", "100000"}};
  auto props = consumer_properties(options);
  CHECK(props.at("session.timeout.ms") == "45000");
  CHECK(props.at("queued.min.messages") == "100000");
  CHECK(props.at("heartbeat.interval.ms") == "1000");  // the others stay
  CHECK(consumer::create(options).ok());
}

TEST_CASE("consumer rejects incomplete options as values", "[kafka]") {
  CHECK_FALSE(consumer::create({"", "g", "c", {"t"}, {}, {}, {}, {}}).ok());
  CHECK_FALSE(consumer::create({"127.0.0.1:1", "", "c", {"t"}, {}, {}, {}, {}}).ok());
  CHECK_FALSE(consumer::create({"127.0.0.1:1", "g", "c", {}, {}, {}, {}, {}}).ok());
  auto bad =
      consumer::create({"127.0.0.1:1", "g", "c", {"t"}, {{"no.such.property", "1"}}, {}, {}, {}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code == "kafka");
  CHECK(bad.err().detail.find("no.such.property") != std::string::npos);
}

}  // namespace
}  // namespace llmopt::kafka
