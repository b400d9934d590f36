// The JSON Schemas producers check their messages with (signals/schemas)
// agree with the collector's parser: tests/npm/signal_schemas.mjs runs them
// under ajv on the shipped examples and on the adapters' corpus, beside
// `llmopt signals validate`'s verdict on the same messages.

#include <catch2/catch.hpp>

#include "daemon_fixture.hpp"

using namespace llmopt::test;

TEST_CASE("the signal schemas accept what the parser accepts and reject what it dead-letters",
          "[npm]") {
  auto npm = run_npm_script("signal_schemas.mjs", {LLMOPT_SOURCE_DIR, LLMOPT_BINARY},
                            {"ajv", "ajv-formats"});
  const auto& r = npm.process;
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto& summary = npm.summary;
  CHECK(summary["ok"] == true);
  CHECK(summary["failed"] == 0);
  CHECK(summary["by_group"]["examples"]["passed"] == 12);
  CHECK(summary["by_group"]["accepted"]["passed"].get<int>() >= 20);
  CHECK(summary["by_group"]["rejected"]["passed"].get<int>() >= 50);
  CHECK(summary["by_group"]["envelopes"]["passed"].get<int>() >= 16);
}
