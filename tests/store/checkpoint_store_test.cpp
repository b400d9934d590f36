#include "store/checkpoint_store.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>
#include <tuple>

#include <catch2/catch.hpp>

#include "store/config_snapshots.hpp"
#include "store/decision_log.hpp"
#include "store/migrations.hpp"
#include "tests/store/store_test_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt {
namespace {

using store_test::open_migrated;
using store_test::sample_decision;

// `size` bytes from a seeded generator: every byte value occurs, NUL
// included, and different seeds give different bytes.
std::string bytes_from(std::uint64_t seed, std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (auto& byte : out) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    byte = static_cast<char>(state >> 56);
  }
  return out;
}

// Writes `at` as 8 raw bytes into `bytes` at `offset`.
void stamp(std::string& bytes, std::size_t offset, time_ms at) {
  for (int i = 0; i < 8; ++i)
    bytes[offset + i] = static_cast<char>(static_cast<std::uint64_t>(at) >> (8 * i));
}

// A checkpoint whose every field is derived from `at`, so that a checkpoint
// read back can be checked against the one saved with its `at`: the blobs
// carry `at` at both ends, the counters name it, every offset encodes it.
// Cheap to make, so that a saving loop spends its time saving. Positions are
// listed out of order: the store returns them by topic, then partition.
checkpoint checkpoint_at(time_ms at, std::size_t blob_size = 4096) {
  static const std::string base = bytes_from(42, 8 * 1024 * 1024);
  // No Catch2 assertion here: this runs on other threads and in a child process.
  LLMOPT_ASSERT(blob_size >= 16 && blob_size <= base.size());
  checkpoint c;
  c.at = at;
  c.aggregates = base.substr(0, blob_size);
  stamp(c.aggregates, 0, at);
  stamp(c.aggregates, blob_size - 8, at);
  c.dedup = std::string("dedup\0", 6) + std::string(8, '\0') + base.substr(1000, 300);
  stamp(c.dedup, 6, at);
  c.counters = R"({"applied":)" + std::to_string(at) + R"(,"dlq":3})";
  for (std::string topic : {"llm.signals.latency", "llm.signals.cost", "llm.signals.sentinel"})
    for (int partition = 15; partition >= 0; --partition)
      c.positions.push_back(partition_position{
          topic, partition, at * 100'000 + static_cast<long long>(topic.size()) * 100 + partition});
  return c;
}

std::vector<partition_position> sorted(std::vector<partition_position> positions) {
  std::sort(positions.begin(), positions.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return positions;
}

bool same_positions(const std::vector<partition_position>& a,
                    const std::vector<partition_position>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.topic == y.topic && x.partition == y.partition && x.offset == y.offset;
  });
}

// Whether `got` holds exactly what `want` held when it was saved.
bool same_content(const checkpoint& got, const checkpoint& want) {
  return got.at == want.at && got.aggregates == want.aggregates && got.dedup == want.dedup &&
         got.counters == want.counters && same_positions(got.positions, sorted(want.positions));
}

checkpoint require_latest(checkpoint_store& store) {
  auto latest = store.latest();
  if (!latest) FAIL(latest.err().detail);
  REQUIRE(latest->has_value());
  return std::move(**latest);
}

long long count_rows(database& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  REQUIRE(stmt);
  auto row = stmt->step();
  REQUIRE(row);
  REQUIRE(*row);
  return stmt->column_int64(0);
}

TEST_CASE("a checkpoint comes back with every field, NUL bytes and a multi-MB blob included") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  checkpoint_store store(db);
  checkpoint saved = checkpoint_at(1'700'000'000'123, 5 * 1024 * 1024);
  saved.id = 99;  // ignored
  saved.positions.push_back(partition_position{"ünïcode.tópic", 7, 1LL << 40});
  REQUIRE(saved.aggregates.find('\0') != std::string::npos);

  auto id = store.save(saved);
  REQUIRE(id);
  CHECK(*id != 99);
  checkpoint back = require_latest(store);
  CHECK(back.id == *id);
  CHECK(back.at == saved.at);
  CHECK(back.aggregates.size() == saved.aggregates.size());
  CHECK(back.aggregates == saved.aggregates);
  CHECK(back.dedup == saved.dedup);
  CHECK(back.counters == saved.counters);
  CHECK(same_positions(back.positions, sorted(saved.positions)));
  CHECK(back.positions.front().topic == "llm.signals.cost");
  CHECK(back.positions.back().offset == 1LL << 40);
}

TEST_CASE("a checkpoint with empty blobs and no positions comes back as it went in") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  checkpoint_store store(db);
  checkpoint empty;
  empty.at = 5;
  empty.counters = "{}";
  REQUIRE(store.save(empty));
  checkpoint back = require_latest(store);
  CHECK(same_content(back, empty));
}

TEST_CASE("latest of a store without checkpoints is empty, not an error") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  checkpoint_store store(db);
  auto latest = store.latest();
  REQUIRE(latest);
  CHECK_FALSE(latest->has_value());
}

TEST_CASE("save keeps the newest checkpoints and deletes older ones with their positions") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  checkpoint_store store(db);
  std::vector<long long> ids;
  for (time_ms at = 1; at <= 5; ++at) {
    auto id = store.save(checkpoint_at(at));
    REQUIRE(id);
    ids.push_back(*id);
  }
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoints") == 2);
  CHECK(count_rows(db, "SELECT MIN(id) FROM checkpoints") == ids[3]);
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoint_positions") == 2 * 48);
  CHECK(count_rows(db, "SELECT MIN(checkpoint_id) FROM checkpoint_positions") == ids[3]);
  CHECK(same_content(require_latest(store), checkpoint_at(5)));

  auto id = store.save(checkpoint_at(6), 1);
  REQUIRE(id);
  CHECK(*id > ids.back());
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoints") == 1);
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoint_positions") == 48);

  auto refused = store.save(checkpoint_at(7), 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.err().detail.find("keep must be at least 1") != std::string::npos);
  CHECK(same_content(require_latest(store), checkpoint_at(6)));
}

TEST_CASE("a pinned checkpoint outlives pruning and is read back by its id") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  checkpoint_store store(db);
  auto pinned = store.save(checkpoint_at(1));
  REQUIRE(pinned);
  long long newest = 0;
  for (time_ms at = 2; at <= 6; ++at) {
    auto id = store.save(checkpoint_at(at), 2, *pinned);
    REQUIRE(id);
    newest = *id;
  }
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoints") == 3);
  auto kept = store.by_id(*pinned);
  REQUIRE(kept);
  REQUIRE(kept->has_value());
  CHECK((*kept)->id == *pinned);
  CHECK(same_content(**kept, checkpoint_at(1)));
  auto gone = store.by_id(newest - 2);
  REQUIRE(gone);
  CHECK_FALSE(gone->has_value());

  // Unpinned, it goes with the next save.
  REQUIRE(store.save(checkpoint_at(7), 2));
  auto pruned = store.by_id(*pinned);
  REQUIRE(pruned);
  CHECK_FALSE(pruned->has_value());
}

TEST_CASE("a store's identity is made once and kept by the file") {
  llmopt::test::temp_dir dir;
  std::string first;
  {
    auto db = open_migrated(dir.file("llmopt.db"));
    auto id = store_identity(db);
    REQUIRE(id);
    first = *id;
    CHECK(first.rfind("store-", 0) == 0);
    CHECK(first.size() == 6 + 24);
    auto again = store_identity(db);
    REQUIRE(again);
    CHECK(*again == first);
  }
  auto reopened = open_migrated(dir.file("llmopt.db"));
  auto id = store_identity(reopened);
  REQUIRE(id);
  CHECK(*id == first);
  llmopt::test::temp_dir other_dir;
  auto other = open_migrated(other_dir.file("llmopt.db"));
  auto other_id = store_identity(other);
  REQUIRE(other_id);
  CHECK(*other_id != first);
}

TEST_CASE("a save that fails part-way leaves the previous checkpoint as the latest") {
  llmopt::test::temp_dir dir;
  auto db = open_migrated(dir.file("llmopt.db"));
  checkpoint_store store(db);
  auto first = store.save(checkpoint_at(1000));
  REQUIRE(first);

  // The row and some positions are written before the duplicate fails, and
  // keep = 1 would delete the previous checkpoint.
  checkpoint bad = checkpoint_at(2000);
  bad.positions.push_back(bad.positions.front());
  auto saved = store.save(bad, 1);
  REQUIRE_FALSE(saved);
  CHECK(saved.err().code == store_errc::general);
  CHECK(saved.err().detail.find("checkpoint at 2000") != std::string::npos);
  CHECK(saved.err().detail.find("llm.signals.latency partition 15") != std::string::npos);
  CHECK(saved.err().detail.find("UNIQUE") != std::string::npos);

  checkpoint latest = require_latest(store);
  CHECK(latest.id == *first);
  CHECK(same_content(latest, checkpoint_at(1000)));
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoints") == 1);
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoint_positions") == 48);
  // No transaction was left open.
  auto next = store.save(checkpoint_at(3000), 1);
  REQUIRE(next);
  CHECK(*next > *first);
}

TEST_CASE(
    "a version 1 store migrates to the latest version and keeps its decisions and snapshots") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  {
    auto db = database::open(path, open_mode::read_write);
    REQUIRE(db);
    REQUIRE(migrate_to(*db, 1));
    decision_log log(*db);
    REQUIRE(log.append({sample_decision(1, "chat"), sample_decision(2, "summarize")}));
    config_snapshots snapshots(*db);
    REQUIRE(snapshots.save(1000, "a.toml", "[routes]\n"));
  }

  auto db = open_migrated(path);
  auto version = schema_version(db);
  REQUIRE(version);
  CHECK(*version == latest_schema_version());
  decision_log log(db);
  auto decisions = log.list(std::nullopt, 0);
  REQUIRE(decisions);
  REQUIRE(decisions->size() == 2);
  CHECK(explain(decisions->front()) == explain(sample_decision(2, "summarize")));
  CHECK(explain(decisions->back()) == explain(sample_decision(1, "chat")));
  config_snapshots snapshots(db);
  auto snapshot = snapshots.find(1);
  REQUIRE(snapshot);
  REQUIRE(snapshot->has_value());
  CHECK((*snapshot)->text == "[routes]\n");

  checkpoint_store store(db);
  auto none = store.latest();
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  REQUIRE(store.save(checkpoint_at(7)));
  CHECK(same_content(require_latest(store), checkpoint_at(7)));
}

TEST_CASE("a reader on another connection sees whole checkpoints while the writer prunes") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  auto writer_db = open_migrated(path);
  checkpoint_store writer(writer_db);
  REQUIRE(writer.save(checkpoint_at(1)));
  constexpr time_ms last_at = 300;
  std::atomic<bool> writing{true};
  std::string reader_error;
  long long reads = 0;

  std::thread reader_thread([&] {
    auto db = open_store(path, open_mode::read_only);
    if (!db) {
      reader_error = db.err().detail;
      return;
    }
    checkpoint_store reader(*db);
    for (bool last_round = false; !last_round && reader_error.empty(); ++reads) {
      last_round = !writing.load();
      auto latest = reader.latest();
      if (!latest)
        reader_error = latest.err().detail;
      else if (!latest->has_value())
        reader_error = "no checkpoint";
      else if (!same_content(**latest, checkpoint_at((*latest)->at)))
        reader_error = "checkpoint at " + std::to_string((*latest)->at) + " is not whole";
    }
  });
  // No REQUIRE until the reader is joined: it stops only when told.
  std::string writer_error;
  for (time_ms at = 2; at <= last_at && writer_error.empty(); ++at) {
    auto saved = writer.save(checkpoint_at(at), 1);  // deletes the previous one
    if (!saved) writer_error = saved.err().detail;
  }
  writing = false;
  reader_thread.join();
  CHECK(writer_error == "");
  CHECK(reader_error == "");
  CHECK(reads > 1);
}

// -- crash safety -------------------------------------------------------------

constexpr std::size_t crash_blob_size = 1024 * 1024;

// The child: saves checkpoint_at(first_at), checkpoint_at(first_at + 1), ...
// with keep = 1, writing each `at` to `fd` once saved, until it is killed.
// Never returns; runs no Catch2 code.
[[noreturn]] void save_until_killed(const std::string& path, time_ms first_at, int fd) {
  auto db = open_store(path, open_mode::read_write);
  if (!db) _exit(2);
  checkpoint_store store(*db);
  for (time_ms at = first_at;; ++at) {
    if (!store.save(checkpoint_at(at, crash_blob_size), 1)) _exit(3);
    if (write(fd, &at, sizeof at) != static_cast<ssize_t>(sizeof at)) _exit(4);
  }
}

// The next `at` the child reports; nullopt at the end of its reports (it
// exited or was killed) or after 10 s of silence.
std::optional<time_ms> next_saved(int fd) {
  pollfd readable{fd, POLLIN, 0};
  if (poll(&readable, 1, 10'000) != 1) return std::nullopt;
  time_ms at = 0;
  if (read(fd, &at, sizeof at) != static_cast<ssize_t>(sizeof at)) return std::nullopt;
  return at;
}

// The saving child and the read end of its reports. SIGKILLs and reaps the
// child at the latest on scope exit, whatever the test does.
class saving_child {
 public:
  saving_child(const std::string& path, time_ms first_at) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      close(fds[0]);
      save_until_killed(path, first_at, fds[1]);
    }
    close(fds[1]);
    fd_ = fds[0];
  }
  ~saving_child() {
    kill_now();
    close(fd_);
  }
  saving_child(const saving_child&) = delete;
  saving_child& operator=(const saving_child&) = delete;

  std::optional<time_ms> next_saved() { return llmopt::next_saved(fd_); }

  // SIGKILLs the child and waits for it; returns its wait status.
  int kill_now() {
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Checks the file as the daemon finds it on restart; returns the restored `at`.
time_ms check_restart(const std::string& path) {
  auto db = open_migrated(path);
  auto integrity = db.prepare("PRAGMA integrity_check");
  REQUIRE(integrity);
  REQUIRE(integrity->step());
  CHECK(integrity->column_text(0) == "ok");
  CHECK(count_rows(db, "SELECT COUNT(*) FROM pragma_foreign_key_check") == 0);
  CHECK(count_rows(db, "SELECT COUNT(*) FROM checkpoints") == 1);
  checkpoint_store store(db);
  checkpoint restored = require_latest(store);
  CHECK(same_content(restored, checkpoint_at(restored.at, crash_blob_size)));
  return restored.at;
}

TEST_CASE("a writer killed while saving checkpoints leaves a whole checkpoint") {
  llmopt::test::temp_dir dir;
  std::string path = dir.file("llmopt.db");
  time_ms first_at = 1;
  for (int round = 0; round < 10; ++round) {
    // No connection to the file may be open across fork(): SQLite's locks
    // belong to the process, and the child would inherit the parent's view of
    // them. Readers here are opened and closed between forks.
    saving_child child(path, first_at);
    time_ms reported = 0;  // the last `at` the child reported saved
    // A reader in this process checks the latest checkpoint after each report,
    // while the child goes on saving (and deleting the previous one: keep = 1).
    for (int saves = 0; saves < 2 + round % 3; ++saves) {
      auto at = child.next_saved();
      if (!at) FAIL("the saving child stopped: " << describe_exit(child.kill_now()));
      reported = *at;
      auto reader_db = open_store(path, open_mode::read_only);
      REQUIRE(reader_db);
      checkpoint_store reader(*reader_db);
      checkpoint seen = require_latest(reader);
      CHECK(seen.at >= *at);
      CHECK(same_content(seen, checkpoint_at(seen.at, crash_blob_size)));
    }
    // Most likely in the middle of a save: the child never pauses.
    int status = child.kill_now();
    REQUIRE(describe_exit(status) == "killed by signal 9");
    while (auto at = child.next_saved())
      reported = *at;

    time_ms restored = check_restart(path);
    INFO("round " << round << ": last reported " << reported << ", restored " << restored);
    // Every save reported is durable; at most one more committed before the
    // kill, unreported.
    CHECK((restored == reported || restored == reported + 1));
    first_at = restored + 1;
  }
}

}  // namespace
}  // namespace llmopt
