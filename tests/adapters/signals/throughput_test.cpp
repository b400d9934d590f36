// Prints how many signals per second one parser turns from bytes into typed
// signals on this machine. A figure to watch, never a pass/fail on time.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "adapters/signals/signal_parser.hpp"

using namespace llmopt;

TEST_CASE("throughput of parse, printed", "[parser][throughput]") {
  const std::vector<std::pair<topic_kind, std::string>> mix{
      {topic_kind::cost,
       R"({"eventId":"c-81f3","timestamp":"2026-11-21T10:15:02.113Z","modelId":"gpt-4o","provider":"openai","inputTokens":812,"outputTokens":233,"costUsd":0.00436,"latencyMs":1432.5,"metadata":{"route":"support-chat","tenant":"acme"}})"},
      {topic_kind::latency,
       R"({"profileId":"lp-77","modelId":"claude-3-5-sonnet","provider":"anthropic","timestamp":"2026-11-21T10:15:00Z","p50Ms":820,"p90Ms":1400,"p95Ms":1710,"p99Ms":2900,"meanMs":930,"stdDevMs":410,"sampleCount":512,"ttftMs":310})"},
      {topic_kind::observatory,
       R"({"traceId":"4bf92f3577b34da6","spanId":"00f067aa0ba902b7","startTime":1795256100000,"durationMs":1250,"status":"ok","attributes":{"gen_ai.request.model":"gpt-4o","gen_ai.system":"openai","gen_ai.usage.input_tokens":120,"gen_ai.usage.output_tokens":45}})"},
      {topic_kind::cost,
       R"({"specversion":"1.0","id":"c-81f3","source":"/cost-ops","type":"com.llmdevops.costops.telemetry.v1","time":"2026-11-21T10:15:02Z","data":{"model_id":"gpt-4o","provider":"openai","input_tokens":812,"output_tokens":233,"cost_usd":0.00436}})"},
  };
  signal_parser parser;
  constexpr int rounds = 50000;
  std::size_t bytes = 0, ok = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i)
    for (auto& [topic, json] : mix) {
      bytes += json.size();
      ok += parser.parse(topic, json).ok() ? 1 : 0;
    }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  double messages = static_cast<double>(rounds) * mix.size();
  std::printf("signal_parser: %.0f messages in %.3f s = %.2f M signals/s, %.0f MB/s (one core)\n",
              messages, elapsed.count(), messages / elapsed.count() / 1e6,
              static_cast<double>(bytes) / elapsed.count() / 1e6);
  CHECK(ok == static_cast<std::size_t>(messages));
}
