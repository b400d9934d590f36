#include "store/decision_log.hpp"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/store/store_test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

using store_test::open_migrated;
using store_test::sample_decision;

void check_same(const candidate_assessment& a, const candidate_assessment& b) {
  CHECK(a.model == b.model);
  CHECK(a.weight == b.weight);
  CHECK(a.previous_weight == b.previous_weight);
  CHECK(a.score == b.score);
  CHECK(a.excluded.code == b.excluded.code);
  CHECK(a.excluded.figures == b.excluded.figures);
  CHECK(a.excluded.detail == b.excluded.detail);
  CHECK(a.quality == b.quality);
  CHECK(a.quality_samples == b.quality_samples);
  CHECK(a.error_rate == b.error_rate);
  CHECK(a.calls == b.calls);
  CHECK(a.expected_latency_ms == b.expected_latency_ms);
  CHECK(a.expected_cost_usd == b.expected_cost_usd);
  CHECK(a.p50_ms == b.p50_ms);
  CHECK(a.p95_ms == b.p95_ms);
}

void check_same(const decision& a, const decision& b) {
  CHECK(a.id == b.id);
  CHECK(a.at == b.at);
  CHECK(a.route == b.route);
  CHECK(a.trigger.kind() == b.trigger.kind());
  CHECK(describe(a.trigger) == describe(b.trigger));
  REQUIRE(a.reasons.size() == b.reasons.size());
  for (std::size_t i = 0; i < a.reasons.size(); ++i) {
    CHECK(a.reasons[i].code == b.reasons[i].code);
    CHECK(a.reasons[i].model == b.reasons[i].model);
    CHECK(a.reasons[i].figures == b.reasons[i].figures);
    CHECK(a.reasons[i].why.code == b.reasons[i].why.code);
  }
  CHECK(reason_lines(a) == reason_lines(b));
  REQUIRE(a.candidates.size() == b.candidates.size());
  for (std::size_t i = 0; i < a.candidates.size(); ++i)
    check_same(a.candidates[i], b.candidates[i]);
}

std::vector<long long> ids_of(const std::vector<decision>& ds) {
  std::vector<long long> ids;
  for (const auto& d : ds)
    ids.push_back(d.id);
  return ids;
}

TEST_CASE("a decision comes back from the log with every field as it went in") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  decision d = sample_decision(7, "chat");
  // The first candidate has score and percentiles, the second has none of
  // them; a third has only p50, to tell absent from present per field.
  candidate_assessment partial;
  partial.model = "ollama:llama3";
  partial.p50_ms = 0.0;
  partial.score = 0.0;
  d.candidates.push_back(partial);
  REQUIRE(log.append({d}));

  auto found = log.find(7);
  REQUIRE(found);
  REQUIRE(found->has_value());
  check_same(**found, d);
  const auto& back = (*found)->candidates;
  CHECK(back[0].score.has_value());
  CHECK_FALSE(back[1].score.has_value());
  CHECK_FALSE(back[1].p50_ms.has_value());
  CHECK_FALSE(back[1].p95_ms.has_value());
  CHECK(back[2].p50_ms == 0.0);
  CHECK_FALSE(back[2].p95_ms.has_value());
  CHECK(explain(**found) == explain(d));
}

TEST_CASE("find of an unknown id is empty, not an error") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  REQUIRE(log.append({sample_decision(1, "chat")}));
  auto found = log.find(2);
  REQUIRE(found);
  CHECK_FALSE(found->has_value());
}

TEST_CASE("list filters by route, puts the newest first and respects the limit") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  REQUIRE(log.append(
      {sample_decision(1, "chat"), sample_decision(2, "summarize"), sample_decision(3, "chat")}));
  REQUIRE(log.append({sample_decision(4, "chat"), sample_decision(5, "summarize")}));

  auto all = log.list(std::nullopt, 0);
  REQUIRE(all);
  CHECK(ids_of(*all) == std::vector<long long>{5, 4, 3, 2, 1});

  auto chat = log.list(std::string("chat"), 10);
  REQUIRE(chat);
  CHECK(ids_of(*chat) == std::vector<long long>{4, 3, 1});

  auto newest_two = log.list(std::string("chat"), 2);
  REQUIRE(newest_two);
  CHECK(ids_of(*newest_two) == std::vector<long long>{4, 3});
  check_same(newest_two->front(), sample_decision(4, "chat"));

  auto none = log.list(std::string("unknown"), 10);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("last_id is 0 for an empty log and the highest id after appends") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  auto empty = log.last_id();
  REQUIRE(empty);
  CHECK(*empty == 0);
  REQUIRE(log.append({sample_decision(3, "chat"), sample_decision(9, "chat")}));
  REQUIRE(log.append({}));
  auto last = log.last_id();
  REQUIRE(last);
  CHECK(*last == 9);
}

TEST_CASE("a batch with a duplicate id fails and writes nothing") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  REQUIRE(log.append({sample_decision(1, "chat")}));

  SECTION("duplicate of a stored id") {
    auto appended = log.append({sample_decision(2, "chat"), sample_decision(1, "chat")});
    REQUIRE_FALSE(appended);
    CHECK(appended.err().code == store_errc::general);
    CHECK(appended.err().detail.find("decision 1") != std::string::npos);
    CHECK(appended.err().detail.find("UNIQUE") != std::string::npos);
  }
  SECTION("duplicate within the batch") {
    REQUIRE_FALSE(log.append({sample_decision(2, "chat"), sample_decision(2, "chat")}));
  }
  auto all = log.list(std::nullopt, 0);
  REQUIRE(all);
  CHECK(ids_of(*all) == std::vector<long long>{1});
  // The failed batch left no transaction open.
  REQUIRE(log.append({sample_decision(2, "chat")}));
}

TEST_CASE(
    "keep stores followed decisions it does not have and leaves the stored ones as they are") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  auto first = sample_decision(4, "chat");
  first.decided_by = "vm-7-1";
  REQUIRE(log.keep({first}));
  auto changed = sample_decision(4, "other");
  // Read again after a restart, with one new decision: only that one is added.
  REQUIRE(log.keep({changed, sample_decision(9, "chat")}));
  auto all = log.list(std::nullopt, 0);
  REQUIRE(all);
  CHECK(ids_of(*all) == std::vector<long long>{9, 4});
  auto stored = log.find(4);
  REQUIRE(stored);
  REQUIRE(*stored);
  CHECK((*stored)->route == "chat");
  CHECK((*stored)->decided_by == "vm-7-1");
  CHECK(*log.last_id() == 9);
}

TEST_CASE("a decision that cannot be encoded fails its batch without an exception") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  decision_log log(db);
  decision bad = sample_decision(2, "chat");
  bad.reasons.push_back(decision_reason::recorded_as("not UTF-8: \xff\xfe"));
  auto appended = log.append({sample_decision(1, "chat"), bad});
  REQUIRE_FALSE(appended);
  CHECK(appended.err().detail.find("decision 2") != std::string::npos);
  auto last = log.last_id();
  REQUIRE(last);
  CHECK(*last == 0);
}

TEST_CASE("an unreadable stored body is an error naming the decision") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  REQUIRE(db.exec(R"(INSERT INTO decisions (id, at_ms, route, "trigger", body) )"
                  "VALUES (5, 0, 'chat', 'tick', '{not json')"));
  decision_log log(db);
  auto found = log.find(5);
  REQUIRE_FALSE(found);
  CHECK(found.err().detail.find("decision 5") != std::string::npos);
}

TEST_CASE("a read_only connection reads a stable snapshot while the writer appends") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  auto writer_db = open_migrated(path);
  decision_log writer(writer_db);
  REQUIRE(writer.append({sample_decision(1, "chat"), sample_decision(2, "chat")}));

  auto reader_db = open_store(path, open_mode::read_only);
  REQUIRE(reader_db);
  decision_log reader(*reader_db);
  REQUIRE(reader_db->exec("BEGIN"));
  auto before = reader.last_id();
  REQUIRE(before);
  CHECK(*before == 2);

  // The writer is not blocked by the open read transaction...
  REQUIRE(writer.append({sample_decision(3, "chat")}));
  // ...which keeps seeing the data as of its start,
  auto during = reader.list(std::nullopt, 0);
  REQUIRE(during);
  CHECK(ids_of(*during) == std::vector<long long>{2, 1});
  REQUIRE(reader_db->exec("COMMIT"));
  // and the next read sees the append.
  auto after = reader.last_id();
  REQUIRE(after);
  CHECK(*after == 3);
}

TEST_CASE("readers on other threads see whole batches while the writer appends") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  auto writer_db = open_migrated(path);
  constexpr int batches = 200;
  constexpr int batch_size = 5;
  std::atomic<bool> writing{true};
  std::vector<std::string> reader_errors(2);

  auto read_until_done = [&](std::string& problem) {
    auto db = open_store(path, open_mode::read_only);
    if (!db) {
      problem = db.err().detail;
      return;
    }
    decision_log log(*db);
    long long seen = 0;
    for (bool last_round = false; !last_round;) {
      last_round = !writing.load();
      auto last = log.last_id();
      if (!last) {
        problem = last.err().detail;
        return;
      }
      if (*last % batch_size != 0 || *last < seen) {
        problem = "saw last_id " + std::to_string(*last) + " after " + std::to_string(seen);
        return;
      }
      seen = *last;
      auto newest = log.list(std::nullopt, batch_size);
      if (!newest) {
        problem = newest.err().detail;
        return;
      }
    }
    if (seen != batches * batch_size) problem = "ended at " + std::to_string(seen);
  };
  std::thread r1(read_until_done, std::ref(reader_errors[0]));
  std::thread r2(read_until_done, std::ref(reader_errors[1]));

  // No REQUIRE until the readers are joined: they stop only when told.
  decision_log writer(writer_db);
  std::string writer_error;
  long long id = 0;
  for (int b = 0; b < batches && writer_error.empty(); ++b) {
    std::vector<decision> batch;
    for (int i = 0; i < batch_size; ++i)
      batch.push_back(sample_decision(++id, i % 2 ? "chat" : "summarize"));
    auto appended = writer.append(batch);
    if (!appended) writer_error = appended.err().detail;
  }
  writing = false;
  r1.join();
  r2.join();
  CHECK(writer_error == "");
  CHECK(reader_errors[0] == "");
  CHECK(reader_errors[1] == "");
}

}  // namespace
}  // namespace llmopt
