// Bad configuration: `config check` names file, line, key and expectation,
// and `serve` refuses to start on it.

#include <catch2/catch.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

TEST_CASE("config check accepts the example and rejects a bad file with file, line and key") {
  auto ok =
      run({LLMOPT_BINARY, "config", "check", LLMOPT_SOURCE_DIR "/config/llmopt.example.toml"});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  REQUIRE(ok.out.find(": ok") != std::string::npos);

  temp_dir dir;
  const auto bad = dir.file("bad.toml");
  write_file(bad, simulated_config(dir.path(), "\n[router]\nmax_attempts = 99\n"));
  auto r = run({LLMOPT_BINARY, "config", "check", bad});
  REQUIRE(r.exit_code != 0);
  INFO(r.err);
  REQUIRE(r.err.find(bad + ":") == 0);
  REQUIRE(r.err.find("router.max_attempts") != std::string::npos);
  REQUIRE(r.err.find("expected") != std::string::npos);

  auto serve = run({LLMOPT_BINARY, "serve", "--config", bad}, {}, std::chrono::seconds(10));
  REQUIRE(serve.exit_code == 2);
  REQUIRE(serve.err.find("refusing to start") != std::string::npos);
  REQUIRE(serve.err.find("router.max_attempts") != std::string::npos);
}
