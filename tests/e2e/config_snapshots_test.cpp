// Config snapshots end to end: each start of `llmopt serve` with a changed
// file saves it; `llmopt config snapshots`, `show` and `diff` read them
// back from the store, with secrets as the references the file holds.

#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/daemon_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace llmopt::test {
namespace {

const std::string admin_secret = "admin-secret-value-7d1f";

TEST_CASE("config snapshots, show and diff read what each start saved, secrets as references",
          "[e2e]") {
  const std::string admin = "[admin]\ntoken = \"${ADMIN_TOKEN}\"\n";
  running_daemon d(simulated_config("${STATE_DIR}", admin), admin_secret);
  const std::string first = read_file(d.config_path());
  d.kill();
  std::string second = first;
  const std::string tick = "tick_ms = 200";
  REQUIRE(second.find(tick) != std::string::npos);
  second.replace(second.find(tick), tick.size(), "tick_ms = 300");
  write_file(d.config_path(), second);
  d.restart();
  d.kill();
  d.restart();  // unchanged: no new snapshot

  auto listed = d.cli({"config", "snapshots", "--json"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  auto snapshots = nlohmann::json::parse(listed.out);
  REQUIRE(snapshots.size() == 2);
  CHECK(snapshots[0]["id"] == 2);  // newest first
  CHECK(snapshots[1]["id"] == 1);
  CHECK(snapshots[0]["source"] == d.config_path());

  auto shown = d.cli({"config", "show", "1"});
  CHECK(shown.exit_code == 0);
  CHECK(shown.out == first);
  CHECK(shown.out.find("${ADMIN_TOKEN}") != std::string::npos);

  auto changed = d.cli({"config", "diff", "1", "2"});
  CHECK(changed.exit_code == 1);
  CHECK(changed.out.find("\n-tick_ms = 200\n+tick_ms = 300\n") != std::string::npos);
  CHECK(changed.out.rfind("--- snapshot 1 (", 0) == 0);
  auto same = d.cli({"config", "diff", "2", "2"});
  CHECK(same.exit_code == 0);
  CHECK(same.out.empty());
  auto missing = d.cli({"config", "show", "99"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("no config snapshot 99") != std::string::npos);

  // The secret's value is nowhere in the store's files.
  d.kill();
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream f(d.state_dir() + "/llmopt.db" + suffix, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(f), {}};
    CHECK(bytes.find(admin_secret) == std::string::npos);
  }
}

}  // namespace
}  // namespace llmopt::test
